// electron/core and electron/cli run on plain Node 20: importing `electron` there is a layering error.
// tsconfig.core.json maps the module name here so such an import resolves to nothing usable.
export type ElectronIsNotAvailableInCore = never;
