import t from 'tap'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// Issue 17, defect 9: `Authorization: bearer <token>` was refused. RFC 9110 (11.1) makes the
// scheme case-insensitive, and clients and proxies do lower-case it.
t.test('the authorization scheme is read case-insensitively', async (t) => {
  const { adminUrl } = await startReleaseDemo(t, await pgSchema(t))
  const basic = Buffer.from(`ada:${ADMIN_TOKEN}`).toString('base64')
  const accepted = [`bearer ${ADMIN_TOKEN}`, `BEARER ${ADMIN_TOKEN}`, `Bearer  ${ADMIN_TOKEN}`, `basic ${basic}`, `Basic ${basic}`]
  for (const authorization of accepted) {
    t.equal((await call(adminUrl, '/rules', { headers: { authorization } })).status, 200, authorization)
  }
  const refused = [`bearer ${ADMIN_TOKEN}x`, `Bearer`, `Bearer ${ADMIN_TOKEN.toUpperCase()}`, `Token ${ADMIN_TOKEN}`, `bearer${ADMIN_TOKEN}`, ADMIN_TOKEN]
  for (const authorization of refused) {
    t.equal((await call(adminUrl, '/rules', { headers: { authorization } })).status, 401, authorization)
  }
})
