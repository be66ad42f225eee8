using KitaLink.Api.Children;
using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Infrastructure.Startup;

/// <summary><c>Startup__ApplyMigrations</c> and <c>Startup__SeedDemoData</c>: what the service does to the database when it starts.</summary>
public sealed class StartupOptions
{
    /// <summary>Apply pending migrations at start-up (Development default). Production runs <c>KitaLink.Api migrate</c> once per release instead.</summary>
    public bool ApplyMigrations { get; set; }

    /// <summary>Seed a demo facility with staff, children and guardians when the database has no facility yet.</summary>
    public bool SeedDemoData { get; set; }

    /// <summary>
    /// Echoed in the <c>X-KitaLink-Startup-Nonce</c> header of the health answers when set, so the script that
    /// started this process (<c>scripts/run.sh</c>) can tell its answers from another server's on the same port.
    /// </summary>
    public string? Nonce { get; set; }
}

public static partial class StartupTasks
{
    public static WebApplicationBuilder AddKitaLinkStartupTasks(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StartupOptions>(builder.Configuration.GetSection("Startup"));
        builder.Services.Configure<BootstrapOptions>(builder.Configuration.GetSection(BootstrapOptions.Section));
        builder.Services.AddHostedService<StartupTasksService>();
        return builder;
    }

    /// <summary>
    /// Migrations (if enabled), the bootstrap operator, demo data (if enabled). Runs as a hosted service
    /// when the host starts, before the server accepts requests, so tools that only build the host
    /// (the Swashbuckle CLI, <c>dotnet ef</c>) never touch the database.
    /// </summary>
    public static async Task RunStartupTasksAsync(IServiceProvider services, bool migrateOnly, CancellationToken cancellationToken = default)
    {
        var options = services.GetRequiredService<IOptions<StartupOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("KitaLink.Startup");
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();

        if (options.ApplyMigrations || migrateOnly)
        {
            // A migration may rewrite a large table: no per-statement limit for it (requests keep theirs).
            db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
            await db.Database.MigrateAsync(cancellationToken);
            LogMigrated(logger);
        }
        if (migrateOnly)
        {
            return;
        }
        LogRuntime(services, logger);

        await EnsureOperatorAsync(scope.ServiceProvider, db, logger);
        if (options.SeedDemoData)
        {
            await DemoData.SeedAsync(scope.ServiceProvider, db, logger);
        }
    }

    private static async Task EnsureOperatorAsync(IServiceProvider services, KitaLinkDbContext db, ILogger logger)
    {
        var bootstrap = services.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        if (string.IsNullOrWhiteSpace(bootstrap.OperatorEmail) || string.IsNullOrWhiteSpace(bootstrap.OperatorPassword))
        {
            return;
        }
        if (await db.StaffMembers.AnyAsync(s => s.Role == StaffRole.Operator))
        {
            return;
        }
        var time = services.GetRequiredService<TimeProvider>();
        var hashing = services.GetRequiredService<PasswordHashing>();
        var op = new StaffMember(null, bootstrap.OperatorEmail, "Operator", StaffRole.Operator, time.GetUtcNow());
        op.SetPasswordHash(await hashing.HashAsync(bootstrap.OperatorPassword, CancellationToken.None), time.GetUtcNow());
        db.StaffMembers.Add(op);
        try
        {
            await db.SaveChangesAsync();
            LogOperatorCreated(logger);
        }
        catch (DbUpdateException)
        {
            // Another instance created it at the same moment (unique email index); that one counts.
            db.ChangeTracker.Clear();
        }
    }

    private sealed class StartupTasksService(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => RunStartupTasksAsync(services, migrateOnly: false, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// What this process actually runs with, read from the runtime and the services rather than from the settings
    /// believed to apply: operators see it in the first lines of the log, and the benchmark report quotes it.
    /// </summary>
    private static void LogRuntime(IServiceProvider services, ILogger logger)
    {
        var pool = services.GetRequiredService<Npgsql.NpgsqlDataSource>().ConnectionString;
        var poolSize = new Npgsql.NpgsqlConnectionStringBuilder(pool).MaxPoolSize;
        var hashing = services.GetRequiredService<PasswordHashing>();
        var iterations = services.GetRequiredService<IOptions<PasswordOptions>>().Value.Iterations;
        var gc = (System.Runtime.GCSettings.IsServerGC ? "server" : "workstation") +
            (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "" : " concurrent");
        LogRuntime(logger, gc, Environment.ProcessorCount, poolSize, iterations, hashing.Workers);
    }

    [LoggerMessage(Level = LogLevel.Information, Message =
        "KitaLink runtime: {GarbageCollector} GC, {Cores} cores, database pool of at most {PoolSize} connections, " +
        "PBKDF2 with {Iterations} iterations on {HashingThreads} hashing threads")]
    private static partial void LogRuntime(ILogger logger, string garbageCollector, int cores, int poolSize, int iterations, int hashingThreads);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrations applied")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap operator account created")]
    private static partial void LogOperatorCreated(ILogger logger);
}

/// <summary>The demo facility of the README's run command. Credentials are printed by <c>scripts/run.sh</c>.</summary>
internal static partial class DemoData
{
    public const string FacilityName = "Kita Sonnenschein";
    public const string AdminEmail = "admin@kita-sonnenschein.example";
    public const string AdminPassword = "Sonnenschein-Admin-2026";
    public const string EducatorEmail = "erzieherin@kita-sonnenschein.example";
    public const string EducatorPassword = "Sonnenschein-Team-2026";

    public static async Task SeedAsync(IServiceProvider services, KitaLinkDbContext db, ILogger logger)
    {
        if (await db.Facilities.AnyAsync())
        {
            return;
        }
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var hashing = services.GetRequiredService<PasswordHashing>();

        var facility = new Facility(FacilityName, now);
        db.Facilities.Add(facility);

        var admin = new StaffMember(facility.Id, AdminEmail, "Anna Admin", StaffRole.Admin, now);
        admin.SetPasswordHash(await hashing.HashAsync(AdminPassword, CancellationToken.None), now);
        var educator = new StaffMember(facility.Id, EducatorEmail, "Eva Erzieherin", StaffRole.Educator, now);
        educator.SetPasswordHash(await hashing.HashAsync(EducatorPassword, CancellationToken.None), now);
        db.StaffMembers.AddRange(admin, educator);

        (string First, string Last, DateOnly Born, string Group, string Guardian, string Relationship, string Email)[] children =
        [
            ("Mia", "Schneider", new DateOnly(2021, 3, 14), "Marienkäfer", "Julia Schneider", "Mutter", "julia.schneider@example.com"),
            ("Leon", "Schneider", new DateOnly(2023, 7, 2), "Igel", "Julia Schneider", "Mutter", "julia.schneider@example.com"),
            ("Emma", "Yilmaz", new DateOnly(2022, 1, 20), "Marienkäfer", "Deniz Yilmaz", "Vater", "deniz.yilmaz@example.com"),
            ("Noah", "Becker", new DateOnly(2021, 11, 5), "Igel", "Sabine Becker", "Mutter", "sabine.becker@example.org"),
        ];
        foreach (var c in children)
        {
            var child = new Child(facility.Id, c.First, c.Last, c.Born, c.Group, now);
            db.Children.Add(child);
            db.Guardians.Add(new Guardian(facility.Id, child.Id, c.Guardian, c.Relationship, c.Email, now));
        }
        await db.SaveChangesAsync();
        LogSeeded(logger, FacilityName);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data seeded for {Facility}")]
    private static partial void LogSeeded(ILogger logger, string facility);
}
