using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

// The benchmark's reference points: what this machine, this PostgreSQL and this .NET runtime deliver for the
// same database work as a KitaLink endpoint, written as directly as possible: one NpgsqlDataSource, the
// statements by hand, JSON out. No authentication, no EF Core, no middleware.
//   GET  /baseline/{id}                        one indexed single-row read (a parent account by primary key)
//   POST /baseline/refresh                     a refresh-token rotation: find by hash with a row lock, mark it
//                                              used, insert its successor, commit (one transaction)
//   GET  /baseline/facilities/{id}/children    the first page of a facility's children list, the same rows
//                                              (and guardian counts) the staff list returns
//   GET  /baseline/{id}/children/{version}     the first page of a parent's linked children: the statement
//                                              GET /me/children runs (account row with its token version,
//                                              links, children and facilities in one query), same JSON shape
//   GET  /baseline/me/children                 the same statement behind ASP.NET Core's JWT bearer authentication
//                                              and a role policy with the API's token rules (Jwt__SigningKey):
//                                              what authenticating the request adds, without KitaLink's pipeline
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var connectionString = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings__Postgres is not configured.");
// The driver settings of the API's data source (DataSetup): statements used twice are prepared automatically, so
// PostgreSQL plans each statement once per connection on both sides.
var dataSourceBuilder = new NpgsqlDataSourceBuilder(connectionString);
dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 64;
dataSourceBuilder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
builder.Services.AddSingleton(_ => dataSourceBuilder.Build());
BaselineAuth.Add(builder);

var app = builder.Build();
app.MapGet("/baseline/{id:guid}", BaselineApi.GetAccountAsync);
app.MapPost("/baseline/refresh", BaselineApi.RotateAsync);
app.MapGet("/baseline/facilities/{facilityId:guid}/children", BaselineApi.ListChildrenAsync);
app.MapGet("/baseline/{id:guid}/children/{tokenVersion:int}", BaselineApi.ListLinkedChildrenAsync);
if (BaselineAuth.Enabled(app.Configuration))
{
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapGet("/baseline/me/children", BaselineApi.ListMyLinkedChildrenAsync).RequireAuthorization(BaselineAuth.ParentPolicy);
}
await app.RunAsync();

public sealed record BaselineAccount(Guid Id, string Email, DateTimeOffset CreatedAt);

public sealed record BaselineRefreshRequest(string RefreshToken);

public sealed record BaselineRefreshResponse(string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

public sealed record BaselineChild(
    Guid Id, string FirstName, string LastName, DateOnly DateOfBirth, string? Group, string Status, int GuardianCount,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record BaselineChildList(IReadOnlyList<BaselineChild> Items, string? NextCursor);

public sealed record BaselineFacility(Guid Id, string Name);

public sealed record BaselineLinkedChild(
    Guid Id, string FirstName, string LastName, DateOnly DateOfBirth, string? Group, string Status, BaselineFacility Facility,
    DateTimeOffset LinkedAt, string LinkStatus, DateTimeOffset? ArchivedAt, Guid? ReplacedByChildId);

public sealed record BaselineLinkedChildList(IReadOnlyList<BaselineLinkedChild> Items, string? NextCursor);

/// <summary>
/// The API's access-token rules (AuthSetup: HS256 <c>at+jwt</c> tokens, the key named by its <c>kid</c>, issuer, audience,
/// lifetime with 30 s skew, the parent role) with ASP.NET Core's own JwtBearer handler and authorization policy, and
/// nothing of KitaLink's pipeline (no forwarded headers, CORS, problem details, security headers, request limits,
/// validation filter or token-version events). On only when <c>Jwt__SigningKey</c> is set, as bench/run.sh does.
/// </summary>
public static class BaselineAuth
{
    public const string ParentPolicy = "parent";

    public static bool Enabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["Jwt:SigningKey"]);

    public static void Add(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!Enabled(configuration))
        {
            return;
        }
        var key = Decode(configuration["Jwt:SigningKey"]!);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(bearer =>
        {
            bearer.MapInboundClaims = false;
            bearer.RequireHttpsMetadata = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ValidTypes = ["at+jwt"],
                ValidateIssuerSigningKey = true,
                IssuerSigningKeys = [new SymmetricSecurityKey(key) { KeyId = Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8)) }],
                ValidIssuer = configuration["Jwt:Issuer"] ?? "kitalink",
                ValidAudience = configuration["Jwt:Audience"] ?? "kitalink-app",
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "sub",
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ParentPolicy, policy => policy.RequireAuthenticatedUser().RequireRole("parent"));
    }

    // The API's KeyMaterial.Decode: base64 of at least 32 bytes, otherwise the UTF-8 bytes of the text.
    private static byte[] Decode(string key)
    {
        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out var written) && written >= 32 ? buffer[..written] : Encoding.UTF8.GetBytes(key);
    }
}

public static class BaselineApi
{
    private static readonly TimeSpan s_refreshLifetime = TimeSpan.FromDays(30);

    public static async Task<IResult> GetAccountAsync(Guid id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, email, created_at FROM parent_accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? TypedResults.Ok(new BaselineAccount(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)))
            : TypedResults.NotFound();
    }

    public static async Task<IResult> RotateAsync(BaselineRefreshRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(request.RefreshToken));
        var now = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid id, accountId, familyId;
        await using (var find = new NpgsqlCommand(
            "SELECT id, account_id, family_id FROM refresh_tokens " +
            "WHERE token_hash = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $2 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = hash });
            find.Parameters.Add(new NpgsqlParameter { Value = now });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return TypedResults.Unauthorized();
            }
            (id, accountId, familyId) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2));
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var successorId = Guid.CreateVersion7();
        var expiresAt = now + s_refreshLifetime;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var consume = new NpgsqlBatchCommand("UPDATE refresh_tokens SET consumed_at = $1, replaced_by_id = $2 WHERE id = $3");
            consume.Parameters.Add(new NpgsqlParameter { Value = now });
            consume.Parameters.Add(new NpgsqlParameter { Value = successorId });
            consume.Parameters.Add(new NpgsqlParameter { Value = id });
            var insert = new NpgsqlBatchCommand(
                "INSERT INTO refresh_tokens (id, account_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
            insert.Parameters.Add(new NpgsqlParameter { Value = successorId });
            insert.Parameters.Add(new NpgsqlParameter { Value = accountId });
            insert.Parameters.Add(new NpgsqlParameter { Value = familyId });
            insert.Parameters.Add(new NpgsqlParameter { Value = SHA256.HashData(Encoding.UTF8.GetBytes(secret)) });
            insert.Parameters.Add(new NpgsqlParameter { Value = now });
            insert.Parameters.Add(new NpgsqlParameter { Value = expiresAt });
            batch.BatchCommands.Add(consume);
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new BaselineRefreshResponse(secret, expiresAt));
    }

    public static async Task<IResult> ListChildrenAsync(Guid facilityId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        const int limit = 100;
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.first_name, c.last_name, c.date_of_birth, c."group", c.status,
                   (SELECT count(*)::int FROM guardians g WHERE g.child_id = c.id), c.created_at, c.updated_at
            FROM children c WHERE c.facility_id = $1
            ORDER BY c.last_name, c.first_name, c.id LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = facilityId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var items = new List<BaselineChild>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new BaselineChild(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                    reader.GetFieldValue<DateOnly>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                    reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            var last = items[^1];
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.LastName}\u001f{last.FirstName}\u001f{last.Id}"));
        }
        return TypedResults.Ok(new BaselineChildList(items, next));
    }

    // Word for word the statement of KitaLink.Api's LinkedChildrenReader (GET /me/children), parameters as the
    // API sends them for a first page of active links with the default limit of 50.
    private const string LinkedChildrenSql = """
        SELECT c.id, c.first_name, c.last_name, c.date_of_birth, c."group", c.status, f.id, f.name,
               l.linked_at, l.status, l.archived_at, l.replaced_by_child_id, l.id
        FROM parent_accounts AS a
        LEFT JOIN LATERAL (
            SELECT * FROM child_links AS cl
            WHERE cl.account_id = a.id AND ($3 OR cl.status = 'active')
              AND ($4 OR (cl.status, cl.linked_at, cl.id) > ($5, $6, $7))
            ORDER BY cl.status, cl.linked_at, cl.id
            LIMIT $8) AS l ON TRUE
        LEFT JOIN children AS c ON c.id = l.child_id
        LEFT JOIN facilities AS f ON f.id = c.facility_id
        WHERE a.id = $1 AND a.token_version = $2
        ORDER BY l.status, l.linked_at, l.id
        """;

    public static Task<IResult> ListMyLinkedChildrenAsync(ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        Guid.TryParse(user.FindFirstValue("sub"), out var id) && int.TryParse(user.FindFirstValue("ver"), out var version)
            ? ListLinkedChildrenAsync(id, version, dataSource, cancellationToken)
            : Task.FromResult<IResult>(TypedResults.Unauthorized());

    public static async Task<IResult> ListLinkedChildrenAsync(Guid id, int tokenVersion, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        const int limit = 50;
        await using var command = dataSource.CreateCommand(LinkedChildrenSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = tokenVersion });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = false });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = true });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "" });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = DateTimeOffset.UnixEpoch });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Empty });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<BaselineLinkedChild>? items = null;
        string? next = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            items ??= [];
            if (reader.IsDBNull(0))
            {
                continue;
            }
            if (items.Count == limit)
            {
                var last = items[^1];
                next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.LinkStatus}\u001f{last.LinkedAt.UtcTicks}"));
                break;
            }
            items.Add(new BaselineLinkedChild(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                new BaselineFacility(reader.GetGuid(6), reader.GetString(7)), reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetGuid(11)));
        }
        return items is null ? TypedResults.Unauthorized() : TypedResults.Ok(new BaselineLinkedChildList(items, next));
    }
}
