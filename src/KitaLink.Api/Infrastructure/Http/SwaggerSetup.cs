using System.Text;
using KitaLink.Api.Pins;
using Microsoft.OpenApi;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The OpenAPI document (served at <c>/swagger/v1/swagger.json|yaml</c>, committed as <c>openapi.yaml</c>)
/// and the Swagger UI. Third-party integrators build on this document alone, so it carries the PIN
/// process, every error code an operation can answer with, the validators' limits and an example for
/// every body; see <see cref="ContractOperationFilter"/>, <see cref="ValidationRulesSchemaFilter"/> and
/// <see cref="ContractDocumentFilter"/>.
/// </summary>
public static class SwaggerSetup
{
    public const string DocumentName = "v1";
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddKitaLinkSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "KitaLink API",
                Version = "v1",
                Description = ApiDescription(),
                Contact = new OpenApiContact
                {
                    Name = "KitaLink integration support",
                    Email = "integrations@kitalink.example",
                    Url = new Uri("https://kitalink.example/integrators"),
                },
                License = new OpenApiLicense
                {
                    Name = "KitaLink API terms of use",
                    Url = new Uri("https://kitalink.example/terms"),
                },
            });
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token in `Authorization: Bearer <token>`. Parents get it from `POST /api/v1/auth/token` " +
                    "(or registration) and renew it with `POST /api/v1/auth/refresh`; staff and operators get it from " +
                    "`POST /api/v1/staff/auth/token`. Each operation says which role it needs.",
            });
            options.OperationFilter<ContractOperationFilter>();
            options.SchemaFilter<ValidationRulesSchemaFilter>();
            options.SchemaFilter<ProblemDetailsSchemaFilter>();
            options.SchemaFilter<NullableReferenceSchemaFilter>();
            options.ParameterFilter<ValidationRulesParameterFilter>();
            options.DocumentFilter<ContractDocumentFilter>();
            // The shared problem schema, the headers of the contract and what may grow (new files, run after the above).
            options.OperationFilter<ProblemSchemaOperationFilter>();
            options.OperationFilter<HttpHeadersOperationFilter>();
            options.SchemaFilter<GrowableSchemaFilter>();
            options.DocumentFilter<ProblemSchemaDocumentFilter>();
            options.SupportNonNullableReferenceTypes();
            options.CustomSchemaIds(type => type.Name);
            var xml = Path.Combine(AppContext.BaseDirectory, "KitaLink.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    public static WebApplication UseKitaLinkSwagger(this WebApplication app)
    {
        // OpenAPI 3.1: a nullable enum or object member is `oneOf: [$ref, null]`, which 3.0 cannot express
        // (its `nullable` does not combine with $ref). scripts/openapi.sh passes the same version to the CLI.
        app.UseSwagger(options => options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1);
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint($"/swagger/{DocumentName}/swagger.json", "KitaLink API v1");
            ui.DocumentTitle = "KitaLink API";
            ui.DisplayOperationId();
            ui.EnableTryItOutByDefault();
            ui.EnableDeepLinking();
            // The token survives a reload, a filter box narrows the operations by tag, and the introduction's
            // long part is collapsed, so the first operation is in view without scrolling.
            ui.EnablePersistAuthorization();
            ui.EnableFilter();
        });
        return app;
    }

    /// <summary>The document's introduction: enough to follow the PIN process from the Swagger UI alone.</summary>
    private static string ApiDescription()
    {
        var text = new StringBuilder("""
            Backend of the KitaLink parent app. A parent account is linked to a child in a daycare (Kita) with two
            PINs that travel on two channels: **PIN 1** on a printed letter the facility hands over, **PIN 2** by
            email to the address the facility entered. Guide with flows and examples in C# and TypeScript:
            [docs/integrators.md](https://kitalink.example/integrators).

            <details>
            <summary>The PIN process, rules, authentication, errors, paging, retries and compatibility (open)</summary>

            """);
        text.Append(PinProcess.Text);
        text.Append("""

            ## Authentication

            Send `Authorization: Bearer <accessToken>`. Parent access tokens live 15 minutes and come with a refresh
            token (30 days) that works once: `POST /api/v1/auth/refresh` returns a new pair, and presenting a used
            refresh token again revokes that session and signs the account out everywhere. Staff and operator tokens
            live 60 minutes; sign in again afterwards. (Lifetimes are the defaults; read `expiresIn`.) Each operation
            names the role it needs. A missing, expired or revoked token is 401 `unauthenticated`, with
            `WWW-Authenticate: Bearer error="invalid_token"` when a token was sent and plain `Bearer` when none was; a
            valid token of the wrong role is 403 `forbidden`. Another family's child or another facility's record is 404 `not_found`.

            Second factor (TOTP, any authenticator app): once set up (`POST .../me/mfa/totp`, then `.../confirm` with a
            code), a right password answers 401 `mfa_required` with a `challenge`; `POST /api/v1/auth/token/mfa` (staff:
            `/api/v1/staff/auth/token/mfa`) with the challenge and the current `code` or a `recoveryCode` returns the
            tokens. Staff of a facility that requires it, and operators, who have not set it up get 401
            `mfa_enrolment_required` with an `enrolmentToken` that reaches only the staff second-factor endpoints.

            ## Errors

            Every error is RFC 9457 problem details (`application/problem+json`) with a stable `code`, a `title`, a
            `detail` that tells a parent what to do next (English, or German with `Accept-Language: de`), the
            `instance` path and a `traceId` to quote to support. `validation_failed` adds `errors` (field → messages,
            camelCase field names); `email_mismatch` adds `emailHint`; `email_suspect` adds `reasons` and `suggestion`;
            `mfa_required` adds `challenge` and `challengeExpiresAt`; `mfa_enrolment_required` adds `enrolmentToken` and
            `enrolmentTokenExpiresAt`.
            Branch on `code`, never on the text.

            | code | status | meaning |
            |---|---|---|

            """);
        foreach (var entry in ErrorCatalog.All.OrderBy(e => e.Status).ThenBy(e => e.Code, StringComparer.Ordinal))
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| `{entry.Code}` | {entry.Status} | {entry.TitleEn} |\n");
        }
        text.Append("""

            ## Rate limits

            Registration, linking, sign-in, token refresh and password reset are limited per client address and per
            account or email (counted across all instances). Past a limit the answer is 429 `rate_limited` with a
            `Retry-After` header in seconds; wait that long. When password hashing is saturated, operations that check
            a password may answer 503 `service_unavailable` with `Retry-After: 1`; while the database is briefly
            unreachable (a restart, a failover) any operation answers 503 `service_unavailable` with `Retry-After: 2`.
            Nothing was changed by such a request: repeat it after that many seconds.

            ## Paging

            Every list pages the same way: `limit` (1-200, default 50) and an opaque `cursor`; the answer is
            `{ "items": [...], "nextCursor": "..." }`. Pass `nextCursor` back unchanged as `cursor` for the next page;
            it is `null` on the last page. Pages neither skip nor repeat items when records change in between.

            ## Safe retries and concurrent edits

            Every POST that creates something honours `Idempotency-Key`: retry with the same key and body and get the
            first answer again (`Idempotent-Replayed: true`). Child and guardian reads carry an `ETag`; send it as
            `If-Match` with their PATCH to get 412 `precondition_failed` instead of overwriting someone else's change.

            ## Compatibility

            Additive changes happen without a new version: new operations, new optional request members, new response
            members, new enum values and new error codes. Ignore unknown members, treat unknown enum values and codes
            gracefully (by HTTP status for codes), and never fail on them.

            </details>
            """);
        return text.ToString();
    }
}
