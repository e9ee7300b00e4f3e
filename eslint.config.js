// ESLint: typescript-eslint's strict, type-checked rules over the whole tree. Formatting is
// Prettier's job (npm run format), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The Node globals the plain JavaScript files (bin, scripts, bench, examples) use; TypeScript files get theirs from @types/node.
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'performance',
    'process',
    'setImmediate',
    'setInterval',
    'setTimeout',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans print as themselves in messages and ids; objects, nullish and unknown must still be formatted on purpose.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Concise callbacks (`() => drain.notify()`) and early exits from void functions (`if (bad) return sendError(...)`) are the house style.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // `{ secret: _secret, ...rest }` drops a key from a copy; a leading underscore marks any other binding kept on purpose (a loop that only counts).
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_' }],
      // Rejecting with a caught error or an abort reason passes it on as it came, as `throw error` in a catch does.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // The bridge reads the Assistants API, which the openai SDK marks deprecated; other deprecations still count.
      '@typescript-eslint/no-deprecated': [
        'error',
        {
          allow: [
            {
              from: 'package',
              package: 'openai',
              name: ['cancel', 'create', 'createAndRun', 'createAndStream', 'list', 'retrieve', 'submitToolOutputs', 'update'],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // A test's `!` follows an `expect` (or a lookup the test itself set up) that fails the test first if the value is missing.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes of async interfaces are written `async () => value`, which rejects rather than throws, as the real ones do.
      '@typescript-eslint/require-await': 'off',
      // vitest types its asymmetric matchers (expect.any, expect.stringMatching, ...) as `any`, and they are placed inside expected objects.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: nodeGlobals,
    },
  },
);
