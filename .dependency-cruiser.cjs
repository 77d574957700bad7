// The module structure `npm test` holds the code to (test/structure.test.ts runs this):
// no import circles, type-only imports included, and proxy/ never reaching into gateway/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules on it cannot be read, tested or loaded one without the other.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'proxy-is-mechanics-only',
      severity: 'error',
      comment: 'proxy/ forwards HTTP; translation (chains, statuses, ETags, deprecation headers) is gateway/\'s.',
      from: { path: '^src/proxy/' },
      to: { path: '^src/gateway/' }
    },
    {
      name: 'engine-only-plans',
      severity: 'error',
      comment: 'engine/ plans chains at boot; running them, and serving, is gateway/\'s.',
      from: { path: '^src/engine/' },
      to: { path: '^src/(gateway|proxy|release|admin)/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' }
  }
}
