/** The built bundle's entry, whose time is the build's. */
export declare const OUTPUT: string;
/** Whether the CLI's dist/ is older than anything it is built from. */
export declare function isStale(): boolean;
