/** The folder holding the project's package.json. */
export declare const PROJECT_ROOT: string;
/** A path inside the project. */
export declare function projectPath(...parts: string[]): string;
/** The core's entry points and their sources under src-core/. */
export declare const CORE_ENTRIES: { readonly cli: string; readonly runner: string; readonly task: string; readonly probe: string };
export type CoreEntryName = keyof typeof CORE_ENTRIES;
/** Where the entry points' bundles are written. */
export declare const BUNDLE_DIR: string;
/** Whether the build stamped by the file `stamp` is newer than every file under `sourceDir`. */
export declare function builtAfterSources(stamp: string, sourceDir: string): boolean;
/** The file that runs an entry point: its fresh bundle, else its TypeScript source (run through tsx). */
export declare function coreEntry(name: CoreEntryName): { file: string; typescript: boolean };
