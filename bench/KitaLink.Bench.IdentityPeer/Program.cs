using KitaLink.Bench.IdentityPeer;
using Microsoft.AspNetCore.Identity;

// The login benchmark's peer: the plain ASP.NET Core Identity API as its documentation sets it up
// ("Use Identity to secure a Web API backend for SPAs": AddIdentityApiEndpoints + AddEntityFrameworkStores +
// MapIdentityApi), on PostgreSQL, with the one change that makes the comparison fair: the same password hash as
// KitaLink (PasswordHasher in IdentityV3 mode = PBKDF2-HMAC-SHA512, 210,000 iterations; KitaLink's
// Infrastructure/Security/PasswordHashing.cs). It is a peer, not a strawman and not tuned: nothing is configured
// beyond what a developer following the docs would write (default DbContext registration, default Npgsql pool,
// default GC and thread pool, hashes on request threads), and logging is at Warning as in a production setup.
//
//   dotnet KitaLink.Bench.IdentityPeer.dll seed --count N --password P --out FILE
//       creates the schema and N users with email confirmed and password P; writes their emails to FILE
//   dotnet KitaLink.Bench.IdentityPeer.dll
//       serves POST /login (and the rest of MapIdentityApi) on ASPNETCORE_URLS
// Both read the database from ConnectionStrings__Postgres.
if (args is ["seed", .. var seedArgs])
{
    return await PeerSeed.RunAsync(seedArgs);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddIdentityPeer();

var app = builder.Build();
app.MapIdentityApi<IdentityUser>();
await app.RunAsync();
return 0;
