/**
 * What Apollo Sandbox at `/graphql` opens with outside production: an operation that reads
 * the demo tenant `acme` (the caller, a page of OES connections with their partner, and a page
 * of database connections with their active jobs), and the demo admin key in its headers, so
 * a newcomer who runs `npm start` can press Run and get data.
 */
export const SANDBOX_DOCUMENT = `# Welcome to the Connection Gateway. Press Run.
# The Headers tab carries the demo admin key of tenant "acme"; the Documentation tab
# describes every type, field and argument. Mutations return a result union: select
# "... on Error { code message }" next to the success type.
query Start {
  viewer {
    id
    memberships { tenantId permissions }
  }
  oesConnections(enterpriseId: "acme", first: 10) {
    items { id name active version partner { name } }
    pageInfo { endCursor hasNextPage }
  }
  databaseConnections(tenantId: "acme", first: 10) {
    items { id name type host port hasPassword activeJobs { id status } }
    pageInfo { endCursor hasNextPage }
  }
}
`;

/** The demo admin key, as Sandbox sends it. */
export const SANDBOX_HEADERS: Record<string, string> = {
  Authorization: 'Bearer cgw_demo_acme_admin',
};
