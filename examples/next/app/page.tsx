const routes: [string, string, string][] = [
  ['GET', '/api/v1/companies', 'read'],
  ['GET', '/api/v1/companies/:company/projects', 'read'],
  ['GET', '/api/v1/companies/:company/projects/:project/tickets', 'read'],
  ['POST', '/api/v1/companies/:company/projects/:project/tickets', 'tickets:write'],
  ['GET', '/api/v1/tickets', 'read'],
  ['GET', '/api/v1/tickets/:ticket', 'read'],
  ['POST', '/api/v1/tickets/:ticket/comments', 'comments'],
  ['POST', '/api/v1/tickets/:ticket/assign', 'tickets:assign'],
];

export default function Home() {
  return (
    <main>
      <h1>keycard × Next.js</h1>
      <p>
        A Toado-style tickets API whose route handlers take scoped, rate-limited bearer tokens. The demo tokens and curl
        lines to try are printed in the terminal that runs <code>npm start -w examples/next</code>.
      </p>
      <table>
        <thead>
          <tr>
            <th align="left">method</th>
            <th align="left">path</th>
            <th align="left">scope</th>
          </tr>
        </thead>
        <tbody>
          {routes.map(([method, path, scope]) => (
            <tr key={method + path}>
              <td>{method}</td>
              <td>
                <code>{path}</code>
              </td>
              <td>
                <code>{scope}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
