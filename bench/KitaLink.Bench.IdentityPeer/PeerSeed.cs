using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace KitaLink.Bench.IdentityPeer;

/// <summary>
/// <c>seed --count N --password P --out FILE</c>: creates the Identity schema and N users
/// peer-000001@bench.kitalink.test… with their email confirmed, as <see cref="UserManager{TUser}.CreateAsync(TUser, string)"/>
/// would store them (normalized name and email, security stamp, lockout enabled), but in one binary COPY. The
/// password is hashed once with the app's own hasher and that hash is stored for every user: the benchmark measures
/// verification, not seeding.
/// </summary>
public static class PeerSeed
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        var count = int.Parse(Required(options, "count"), System.Globalization.CultureInfo.InvariantCulture);
        var password = Required(options, "password");
        var outFile = Required(options, "out");

        var builder = WebApplication.CreateBuilder();
        builder.AddIdentityPeer();
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PeerDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();

        await db.Database.EnsureCreatedAsync();

        // The password must pass the same policy POST /register applies, or the seed would hold users Identity refuses.
        var template = new IdentityUser();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, template, password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("The password fails Identity's policy: " +
                    string.Join("; ", result.Errors.Select(e => e.Description)));
            }
        }
        var hash = users.PasswordHasher.HashPassword(template, password);

        var entity = db.Model.FindEntityType(typeof(IdentityUser))
            ?? throw new InvalidOperationException("IdentityUser is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var properties = entity.GetProperties().ToList();
        var columns = string.Join(", ", properties.Select(p => Quote(p.GetColumnName(table)!)));

        var emails = new List<string>(count);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY {Quote(table.Name)} ({columns}) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= count; i++)
            {
                var email = $"peer-{i:D6}@bench.kitalink.test";
                var user = new IdentityUser
                {
                    UserName = email,
                    NormalizedUserName = users.NormalizeName(email),
                    Email = email,
                    NormalizedEmail = users.NormalizeEmail(email),
                    EmailConfirmed = true,
                    PasswordHash = hash,
                    SecurityStamp = NewSecurityStamp(),
                    LockoutEnabled = users.Options.Lockout.AllowedForNewUsers,
                };
                await importer.StartRowAsync();
                foreach (var property in properties)
                {
                    var value = property.PropertyInfo!.GetValue(user);
                    if (value is null)
                    {
                        await importer.WriteNullAsync();
                    }
                    else
                    {
                        await importer.WriteAsync(value, StoreTypeName(property.GetColumnType()));
                    }
                }
                emails.Add(email);
            }
            await importer.CompleteAsync();
        }
        await File.WriteAllLinesAsync(outFile, emails);
        Console.WriteLine($"seeded {count} Identity users into {Quote(table.Name)}; emails in {outFile}");
        return 0;
    }

    /// <summary>"character varying(256)" → "character varying": COPY takes the type without its length.</summary>
    private static string StoreTypeName(string columnType) =>
        columnType.IndexOf('(', StringComparison.Ordinal) is var paren and >= 0 ? columnType[..paren] : columnType;

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>What UserManager stores (its NewSecurityStamp): 20 random bytes in Base32.</summary>
    private static string NewSecurityStamp()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = RandomNumberGenerator.GetBytes(20);
        var text = new StringBuilder(32);
        for (var bit = 0; bit < bytes.Length * 8; bit += 5)
        {
            var index = bit / 8;
            var chunk = (bytes[index] << 8) | (index + 1 < bytes.Length ? bytes[index + 1] : 0);
            text.Append(alphabet[(chunk >> (11 - bit % 8)) & 31]);
        }
        return text.ToString();
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
            }
            values[args[i][2..]] = args[i + 1];
        }
        return values;
    }

    private static string Required(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");
}
