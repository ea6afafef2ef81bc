import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Modules that only exist inside Electron or the privileged UI layer. */
const ELECTRON_ONLY = ['electron', 'electron-store', 'sudo-prompt', '@vscode/sudo-prompt'];
const UI_LAYERS = [
  '**/main/**',
  '**/preload/**',
  '**/renderer/**',
  '**/electron/main/*',
  '**/electron/preload/*',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'build/os/out/**',
      'test-results/**',
      'playwright-report/**',
      'coverage/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'build/*.mjs', 'build/*/*.mjs', 'test/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-console': 'off' },
  },
  {
    // Core, shared and CLI run on plain Node 20: no Electron, no UI layers.
    files: ['electron/core/**', 'electron/shared/**', 'electron/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ELECTRON_ONLY.map((name) => ({
            name,
            message: 'electron/core, electron/shared and electron/cli must not depend on Electron.',
          })),
          patterns: [
            { group: UI_LAYERS, message: 'Imports point downwards only: no main/preload/renderer here.' },
          ],
        },
      ],
    },
  },
  {
    // The one adapter of the OS password dialog: the daemon (headless or not) asks from there.
    files: ['electron/core/integration/sudo-prompt.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Shared is plain TypeScript: no Node built-ins either.
    files: ['electron/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ELECTRON_ONLY,
          patterns: [
            { group: UI_LAYERS, message: 'Imports point downwards only.' },
            {
              group: ['node:*', '**/core/**'],
              message: 'electron/shared is plain TypeScript: no Node, no core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: ELECTRON_ONLY,
          patterns: [
            {
              group: ['**/electron/core/**', '**/electron/main/**', '**/electron/preload/**', 'node:*'],
              message: 'The renderer knows only DliteApi (electron/shared).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/cli/**', 'build/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
