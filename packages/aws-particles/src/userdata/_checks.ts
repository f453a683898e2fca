import { isElement, isRef } from "@jiti/jsx-runtime";
import { is, type Check } from "@jiti/reconciler/particle";

/**
 * Checks shared by the step components, in the shape of the reconciler's
 * `checkFields` rules. Everything that ends up inside the script is checked
 * here, so no prop value can change the script's structure.
 */

/** An absolute path on the instance: no `..`, no newline, not a folder. */
export const absolutePath: Check = (value, name) => {
  if (typeof value !== "string")
    return { message: `${name} must be a string`, found: value, fix: 'Use an absolute path such as "/etc/app.conf"' };
  if (!value.startsWith("/") || value.endsWith("/") || value.split("/").includes("..") || /[\0\n\r]/.test(value)) {
    return {
      message: `${name} must be an absolute file path, without "..", line breaks or a trailing "/"`,
      found: value,
      fix: 'Use an absolute path such as "/etc/app.conf"',
    };
  }
  return undefined;
};

/** Permissions as an octal string. Numbers are refused: `644` and `0o644` are easy to confuse. */
export const octalMode: Check = is.string({
  pattern: /^[0-7]{3,4}$/,
  what: "an octal string of 3 or 4 digits",
  example: '"0644" or "0600"',
});

/** `user` or `user:group`, as `chown` takes it. */
export const owner: Check = is.string({
  pattern: /^[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?$/,
  what: 'a Linux user, or "user:group"',
  example: '"app" or "app:app"',
});

/** A Linux account name that `useradd` accepts on both Amazon Linux and Ubuntu. */
export const userName: Check = is.string({
  pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
  what: "a Linux user name (lowercase letters, digits, '_' or '-', at most 32)",
  example: '"app"',
});

/** A systemd unit name without its `.service` suffix. */
export const unitName: Check = is.string({
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  what: "1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
  example: '"web"',
});

/** Environment variables for a systemd unit: names as the shell allows, values on one line. */
export const envMap: Check = (value, name) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { message: `${name} must map variable names to strings`, found: value, fix: `Use ${name}={{ LOG_LEVEL: "info" }}` };
  }
  for (const [key, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      return {
        message: `${name} names must be letters, digits and '_', not starting with a digit`,
        found: key,
        fix: "Rename the variable, e.g. LOG_LEVEL",
      };
    }
    if (typeof v !== "string") return { message: `${name}.${key} must be a string`, found: v, fix: "Convert the value with String()" };
    if (/[\0\n\r]/.test(v)) {
      return {
        message: `${name}.${key} must be one line`,
        found: v,
        fix: "Put multi-line values in a <File> and point the variable at it",
      };
    }
  }
  return undefined;
};

/** One line of text, for values written into unit files. */
export function oneLine(example: string): Check {
  return (value, name) => {
    if (typeof value !== "string" || value.trim() === "" || /[\0\n\r]/.test(value)) {
      return { message: `${name} must be a non-empty string on one line`, found: value, fix: `Use a value such as ${example}` };
    }
    return undefined;
  };
}
