import type { JsonObject } from "@jiti/reconciler";
import { checkFields, is } from "@jiti/reconciler/particle";
import { defineStep } from "./_step.js";

/** Props of `<Package>`: OS packages installed at boot. */
export interface PackageProps {
  /**
   * Packages to install at boot, e.g. `["nginx", "git"]`. The script uses dnf
   * on Amazon Linux 2023 and apt-get on Ubuntu, found at boot with
   * `command -v`, so the names must exist under both if the image may change.
   */
  names: string[];
}

/** Installs OS packages at boot. */
export const Package = defineStep<PackageProps>({
  name: "Package",
  props: ["names"],
  children: "none",
  check(props) {
    const issues = checkFields(props as unknown as JsonObject, {
      names: {
        check: is.arrayOf(is.string({ pattern: /^[A-Za-z0-9][A-Za-z0-9._+:~-]*$/, what: "a package name", example: '"nginx"' })),
        required: true,
        example: '{["nginx"]}',
      },
    });
    if (issues.length === 0 && props.names.length === 0) {
      issues.push({
        message: "names is empty",
        found: [],
        fix: 'List at least one package, e.g. names={["nginx"]}, or remove the <Package>',
      });
    }
    return issues;
  },
  label: (props) => props.names.join(" "),
  steps: (props) => [{ kind: "packages", names: [...props.names] }],
});
