using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Bench.IdentityPeer;

/// <summary>The Identity tables (AspNetUsers and friends) on PostgreSQL.</summary>
public sealed class PeerDbContext(DbContextOptions<PeerDbContext> options) : IdentityDbContext(options);

public static class PeerSetup
{
    /// <summary>KitaLink's iteration count (Passwords:Iterations); IdentityV3 mode is the hasher's default.</summary>
    public const int IterationCount = 210_000;

    /// <summary>The documented Identity API setup; shared by the server and the seed, so both hash alike.</summary>
    public static void AddIdentityPeer(this WebApplicationBuilder builder)
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var connectionString = builder.Configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings__Postgres is not configured.");

        builder.Services.AddAuthorization();
        builder.Services.AddDbContext<PeerDbContext>(options => options.UseNpgsql(connectionString));
        builder.Services.AddIdentityApiEndpoints<IdentityUser>()
            .AddEntityFrameworkStores<PeerDbContext>();
        builder.Services.Configure<PasswordHasherOptions>(options => options.IterationCount = IterationCount);
    }
}
