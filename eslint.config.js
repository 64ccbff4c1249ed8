// ESLint flat config. Besides the recommended rules, it enforces the layering of docs/architecture.md:
// core/ never imports electron, the server, the api or a concrete driver; only main/electron (and the
// preload script) may import 'electron'; the renderer never reaches into main/ or native code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectron = { name: 'electron', message: "Only main/electron and preload/index.ts may import 'electron'." };

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.vite/', 'native-helpers/*/build/', '.testbed/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [noElectron] }],
    },
  },
  {
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['**/electron/**', '**/server/**', '**/api/**'], message: 'core/ must not depend on adapters.' },
            { group: ['**/drivers/**', '**/native-helpers/**'], message: 'core/ depends on interfaces, not drivers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['**/main/**', '**/native-helpers/**'], message: 'The renderer talks only to the contract client.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/electron/**/*.ts', 'preload/index.ts', 'forge.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
