using System.Text;
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
        });
        return app;
    }

    /// <summary>The document's introduction: enough to follow the PIN process from the Swagger UI alone.</summary>
    private static string ApiDescription()
    {
        var text = new StringBuilder("""
            Backend of the KitaLink parent app. A parent account is linked to a child in a daycare (Kita) with two
            PINs that travel on two channels: **PIN 1** on a printed letter the facility hands over, **PIN 2** by
            email to the address the facility entered. Neither the paper nor the mailbox alone is enough.

            ## The PIN process, step by step

            1. **Operator:** signs in with `POST /api/v1/staff/auth/token`, creates the facility
               (`POST /api/v1/facilities`) and its first admin (`POST /api/v1/facilities/{facilityId}/staff`).
            2. **Facility staff** (admin or educator) sign in with `POST /api/v1/staff/auth/token`, create the child
               (`POST /api/v1/facility/children`) and its guardians (`POST /api/v1/facility/children/{childId}/guardians`)
               with each guardian's email exactly as the parent gave it.
            3. **Staff create PINs** for one guardian (`POST .../guardians/{guardianId}/pins`). The answer carries PIN 1
               and the letter's address (`GET .../pins/letter`, a PDF to print). PIN 2 is emailed to the guardian in the
               same transaction; staff never see it. `pin2Delivery` in the answer and in the child profile shows whether
               the email was `queued`, `sent` or `failed` (with the mail server's reason). A new pair revokes the
               previous pending one; `POST .../pins/pin2` sends a new PIN 2 (PIN 1 and the letter stay valid);
               `DELETE .../pins` revokes the pair.
            4. **The parent registers** with email, password, PIN 1 and PIN 2 (`POST /api/v1/accounts`). Account,
               password and the link to the child are created in one atomic step; the answer carries the tokens.
            5. **From then on** the parent signs in with email and password (`POST /api/v1/auth/token`), lists the
               children (`GET /api/v1/me/children`), links a sibling or a child at another facility with that child's
               own PIN pair (`POST /api/v1/me/children`) and renews the access token with the refresh token
               (`POST /api/v1/auth/refresh`).

            ### PIN rules

            * A PIN is 8 characters from `23456789ABCDEFGHJKLMNPQRSTUVWXYZ`, shown as `XXXX-XXXX` (e.g. `7KQ4-M9XD`).
              Input ignores letter case, spaces and dashes.
            * A pair is valid for 14 days unless the deployment configures otherwise (the expiry is on the letter, in
              the email and in `expiresAt`). It links exactly once, even under concurrent requests.
            * Five failed attempts against a pair (right PIN 1, wrong PIN 2 or wrong email) lock it; staff must create
              a new pair.
            * The email must be the guardian email on file. Only letter case and surrounding whitespace are ignored:
              `eltern@gmail.com` and `eltern@googlemail.com` are different addresses, so are dotted and `+tag` variants.
            * Answers of registration and linking: unknown PIN 1 or wrong PIN 2 → 422 `pins_invalid` (nothing else is
              revealed before both PINs are right); both PINs right but another email → 422 `email_mismatch` with
              `emailHint` (e.g. `ju***@example.com`); pair already used → 409 `pins_already_used`; expired or revoked
              → 410 `pins_expired`; locked → 423 `pins_locked`.

            ## Authentication

            Send `Authorization: Bearer <accessToken>`. Parent access tokens live 15 minutes and come with a refresh
            token (30 days) that works once: `POST /api/v1/auth/refresh` returns a new pair, and presenting a used
            refresh token again revokes that session and signs the account out everywhere. Staff and operator tokens
            live 60 minutes; sign in again afterwards. (Lifetimes are the defaults; read `expiresIn`.) Each operation
            names the role it needs. A missing, expired or revoked token is 401 `unauthenticated`; a valid token of the
            wrong role is 403 `forbidden`. Another family's child or another facility's record is 404 `not_found`.

            ## Errors

            Every error is RFC 9457 problem details (`application/problem+json`) with a stable `code`, a `title`, a
            `detail` that tells a parent what to do next (English, or German with `Accept-Language: de`), the
            `instance` path and a `traceId` to quote to support. `validation_failed` adds `errors` (field → messages,
            camelCase field names); `email_mismatch` adds `emailHint`; `email_suspect` adds `reasons` and `suggestion`.
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
            a password may answer 503 `service_unavailable` with `Retry-After: 1`.
            """);
        return text.ToString();
    }
}
