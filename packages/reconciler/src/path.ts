/**
 * Element paths, `Vpc:main/Subnet:public-a`: the identity of a resource,
 * kept in its `jiti:path` tag. Each segment is `<Component>:<name>`, or the
 * component alone for an unnamed only child; segments join with `/`. Paths
 * are built and taken apart here and nowhere else: everything else treats
 * them as opaque keys, and rules get a node's parent as a node, not as text.
 */

const SEPARATOR = "/";
const NAME_MARK = ":";

/** The path of an element named `name` (or unnamed) of component `component` under `parent` ("" at the top). */
export function childPath(parent: string, component: string, name: string | undefined): string {
  const segment = name === undefined ? component : `${component}${NAME_MARK}${name}`;
  return parent ? `${parent}${SEPARATOR}${segment}` : segment;
}

/** The parent's path; "" for a top-level element. */
export function parentPath(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf(SEPARATOR)));
}

/** How many elements deep the path is: 1 for a top-level element. */
export function pathDepth(path: string): number {
  return path.split(SEPARATOR).length;
}

/** The last segment: `Subnet:public-a`. */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf(SEPARATOR) + 1);
}

/** One element of a path: its component and its name (undefined for an unnamed only child). */
export interface PathSegment {
  component: string;
  name: string | undefined;
}

/** The elements along the path, outermost first: `Vpc:main/Subnet` is `[{ Vpc, main }, { Subnet, undefined }]`. */
export function pathSegments(path: string): PathSegment[] {
  return path.split(SEPARATOR).map((segment) => {
    const mark = segment.indexOf(NAME_MARK);
    return mark === -1 ? { component: segment, name: undefined } : { component: segment.slice(0, mark), name: segment.slice(mark + 1) };
  });
}

/** The names along the path, the component standing in for an unnamed element: `["main", "public-a"]`. */
export function pathNames(path: string): string[] {
  return pathSegments(path).map((segment) => segment.name ?? segment.component);
}

/** Whether `path` lies inside the element at `ancestor` (not the element itself). */
export function isInside(path: string, ancestor: string): boolean {
  return ancestor !== "" && path.startsWith(`${ancestor}${SEPARATOR}`);
}
