package core

// The emulated tenant, which every service knows: Entra ID signs its users in, Nimbus grants
// them services and address books, the OData feed reports on them, nps.today surveys the
// services' callers. Ids are fixed (not drawn
// from the seed) so tests can name them.
const (
	TenantName = "Contoso"
	TenantID   = "7c1d9e3a-5b2f-4c8e-9a6d-0e4f3b2a1c5d"

	// DefaultUser is the sandbox user: services support@ and sales@, books Customers and
	// Partners. Not vip@ nor Board, which exist for 403 tests.
	DefaultUser = "admin@contoso.com"
	// AgentUser has fewer rights: service support@ and book Customers only.
	AgentUser = "agent@contoso.com"

	// The tenant's services (Nimbus service accounts, also the OData feed's Services
	// dimension and the nps.today IVR map's queues).
	ServiceSupport = "support@contoso.com"
	ServiceSales   = "sales@contoso.com"
	ServiceVIP     = "vip@contoso.com" // nobody seeded may use it

	ServiceSupportID = "5a0e8b1c-1111-4d2e-8f3a-6b7c8d9e0a01"
	ServiceSalesID   = "5a0e8b1c-2222-4d2e-8f3a-6b7c8d9e0a02"
	ServiceVIPID     = "5a0e8b1c-3333-4d2e-8f3a-6b7c8d9e0a03"
)
