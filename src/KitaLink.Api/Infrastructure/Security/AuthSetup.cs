using System.Security.Claims;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace KitaLink.Api.Infrastructure.Security;

public static class AuthSetup
{
    /// <summary>
    /// JWT bearer authentication and the named policies. Tokens are HS256 access tokens (<c>at+jwt</c>) only, signed with
    /// <c>Jwt:SigningKey</c> or one of <c>Jwt:ValidationKeys</c> (rotation without downtime, docs/operations.md), issuer, audience and
    /// lifetime are checked with 30 s clock skew, and a token whose account was deleted or whose
    /// token version is older than the account's (logout, password change) is rejected.
    /// </summary>
    public static WebApplicationBuilder AddKitaLinkAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.SigningKeyBytes().Length >= 32, "Jwt:SigningKey must be at least 256 bits (32 bytes).")
            .Validate(o => builder.Environment.IsDevelopment() || !DevelopmentKeys.IsDevelopmentKey(o.SigningKey),
                "Jwt:SigningKey is the public development key; configure a secret key outside Development.")
            .Validate(o => o.ValidationKeys.Where(k => !string.IsNullOrWhiteSpace(k)).All(k => KeyMaterial.Decode(k).Length >= 32),
                "Every Jwt:ValidationKeys entry must be at least 256 bits (32 bytes).")
            .Validate(o => builder.Environment.IsDevelopment() || !o.ValidationKeys.Any(DevelopmentKeys.IsDevelopmentKey),
                "Jwt:ValidationKeys contains the public development key; remove it outside Development.")
            .ValidateOnStart();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<TokenRevocationCheck>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>, TimeProvider>((bearer, jwtOptions, time) =>
            {
                var jwt = jwtOptions.Value;
                bearer.MapInboundClaims = false;
                bearer.RequireHttpsMetadata = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    // Only access tokens: a JWT of another type signed with the same key is no access token.
                    ValidTypes = [AccessTokenIssuer.TokenType],
                    ValidateIssuerSigningKey = true,
                    // The signing key and the earlier keys of a rotation; the token's kid picks one (tokens without a
                    // kid, issued before key ids existed, are tried against each).
                    IssuerSigningKeys = jwt.AcceptedSecurityKeys(),
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = ClaimNames.Subject,
                    RoleClaimType = ClaimNames.Role,
                    // The service's clock (TimeProvider), so expiry follows the same time as everything else.
                    LifetimeValidator = (notBefore, expires, _, parameters) =>
                    {
                        var now = time.GetUtcNow().UtcDateTime;
                        return expires is { } exp
                            && now < exp + parameters.ClockSkew
                            && (notBefore is not { } nbf || now >= nbf - parameters.ClockSkew);
                    },
                };
                bearer.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<TokenVersionCheckedByHandler>() is { } deferred
                            && deferred.CanDefer(context.Principal!))
                        {
                            // Hot read path: the handler's own query checks the version (one round trip instead of two).
                            return;
                        }
                        var check = context.HttpContext.RequestServices.GetRequiredService<TokenRevocationCheck>();
                        bool current;
                        try
                        {
                            current = await check.IsCurrentAsync(context.Principal!, context.HttpContext.RequestAborted);
                        }
                        catch (Exception exception) when (DatabaseUnavailable.Cause(exception) is { } cause)
                        {
                            // Not "signed out": the token may well be valid. The challenge answers 503 instead of 401.
                            DatabaseUnavailable.Mark(context.HttpContext, cause);
                            context.Fail("The token version could not be checked.");
                            return;
                        }
                        if (!current)
                        {
                            TokenVersionCheckedByHandler.LogRevoked(context.HttpContext);
                            context.Fail("The token was revoked.");
                        }
                    },
                    OnAuthenticationFailed = context =>
                    {
                        // The exception type says why (expired, bad signature, wrong audience...); its message may quote the token.
                        SecurityLog.TokenRejected(context.HttpContext, context.Exception.GetType().Name);
                        return Task.CompletedTask;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        if (DatabaseUnavailable.MarkedCause(context.HttpContext) is { } cause)
                        {
                            var request = context.HttpContext.Request;
                            DatabaseUnavailable.Log(
                                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TokenRevocationCheck)),
                                request.Method, request.Path, cause);
                            await ApiProblem.Unavailable(DatabaseUnavailable.RetryAfterSeconds).ExecuteAsync(context.HttpContext);
                            return;
                        }
                        await ApiProblem.Of(ErrorCodes.Unauthenticated).ExecuteAsync(context.HttpContext);
                    },
                    OnForbidden = context =>
                    {
                        SecurityLog.Forbidden(context.HttpContext);
                        return ApiProblem.Of(ErrorCodes.Forbidden).ExecuteAsync(context.HttpContext);
                    },
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Parent, p => p.RequireAuthenticatedUser().RequireRole(Roles.Parent))
            .AddPolicy(Policies.Staff, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Educator)
                .RequireClaim(ClaimNames.FacilityId))
            .AddPolicy(Policies.FacilityAdmin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin)
                .RequireClaim(ClaimNames.FacilityId))
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().RequireRole(Roles.Operator))
            .AddPolicy(Policies.StaffAccount, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin, Roles.Educator, Roles.Operator))
            .AddPolicy(Policies.StaffSecondFactor, p => p.RequireAuthenticatedUser()
                .RequireRole(Roles.Admin, Roles.Educator, Roles.Operator, Roles.StaffMfaEnrolment));
        return builder;
    }
}

/// <summary>
/// Endpoint metadata for hot read paths: the handler checks the token version in the same query that reads
/// its answer (the account row must match the token's subject and version), instead of the separate read
/// of <see cref="TokenRevocationCheck"/>, and answers with <see cref="TokenVersionCheckedByHandler.Rejected"/>
/// when it does not match. Set with <see cref="TokenVersionEndpointExtensions.ChecksTokenVersionInHandler{TBuilder}"/>.
/// </summary>
public sealed class TokenVersionCheckedByHandler
{
    /// <summary>Parent reads: the handler's query joins the parent account with the token's subject and version.</summary>
    public static readonly TokenVersionCheckedByHandler Parent = new([Roles.Parent]);

    /// <summary>Facility staff reads: the handler's query requires the (active) staff member with the token's subject and version.</summary>
    public static readonly TokenVersionCheckedByHandler FacilityStaff = new([Roles.Admin, Roles.Educator]);

    private readonly string[] _roles;

    private TokenVersionCheckedByHandler(string[] roles) => _roles = roles;

    /// <summary>
    /// Only a well-formed token of a role the handler checks is left to it; anything else goes through the central
    /// check, which rejects a malformed or mismatched one with 401 (and the endpoint's policy refuses other roles).
    /// </summary>
    public bool CanDefer(ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimNames.Role) is { } role && _roles.Contains(role) && principal.TryGetSubjectAndVersion(out _, out _);

    /// <summary>The answer for a revoked token (logout, password change or deleted account): 401, logged like the central check.</summary>
    public static ApiProblem Rejected(HttpContext context)
    {
        LogRevoked(context);
        return ApiProblem.Of(ErrorCodes.Unauthenticated);
    }

    /// <summary>The security log line for a revoked token, the same for the central check and the handlers.</summary>
    internal static void LogRevoked(HttpContext context) =>
        SecurityLog.TokenRejected(context, "revoked (logout, password change or deleted account)");
}

public static class TokenVersionEndpointExtensions
{
    /// <summary>The handler checks a parent token's version itself (see <see cref="TokenVersionCheckedByHandler"/>).</summary>
    public static TBuilder ChecksTokenVersionInHandler<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(TokenVersionCheckedByHandler.Parent);

    /// <summary>The handler checks a facility staff token's version itself (see <see cref="TokenVersionCheckedByHandler"/>).</summary>
    public static TBuilder ChecksStaffTokenVersionInHandler<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(TokenVersionCheckedByHandler.FacilityStaff);
}

/// <summary>
/// Makes logout, password change, reset, account deletion, staff deactivation and sessions ended by an
/// administrator take effect at once on every instance:
/// the token's version must equal the account's current one (one primary-key read per request).
/// </summary>
public sealed class TokenRevocationCheck(Npgsql.NpgsqlDataSource dataSource)
{
    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (!principal.TryGetSubjectAndVersion(out var subject, out var version))
        {
            return false;
        }
        var sql = principal.FindFirstValue(ClaimNames.Role) == Roles.Parent
            ? "SELECT token_version FROM parent_accounts WHERE id = $1"
            // A deactivated staff account's tokens stop at once, whatever their version.
            : "SELECT token_version FROM staff_members WHERE id = $1 AND deactivated_at IS NULL";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = subject });
        var current = await command.ExecuteScalarAsync(cancellationToken);
        return current is int stored && stored == version;
    }
}
