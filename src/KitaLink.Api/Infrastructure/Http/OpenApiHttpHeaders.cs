using System.Text.Json.Nodes;
using KitaLink.Api.Infrastructure.Idempotency;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The HTTP headers of the contract: <c>Idempotency-Key</c> on create endpoints (and <c>Idempotent-Replayed</c>
/// on their answers), <c>ETag</c> on child and guardian answers, <c>If-Match</c> on their PATCH, and
/// <c>WWW-Authenticate</c> on every 401. Runs after <see cref="ContractOperationFilter"/>.
/// </summary>
internal sealed class HttpHeadersOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var idempotent = metadata.OfType<IdempotentCreateMetadata>().Any();
        var etag = metadata.OfType<ETagMetadata>().Any();
        var ifMatch = metadata.OfType<IfMatchMetadata>().Any();
        var basic = metadata.OfType<BasicChallengeMetadata>().FirstOrDefault();

        if (idempotent)
        {
            AddHeaderParameter(operation, IdempotencyFilter.HeaderName,
                "Makes a retry safe (IETF draft `Idempotency-Key`, Stripe semantics): a new unique key (e.g. a UUID) per " +
                "new request, the same key for its retries. The first answer is kept for 24 hours per caller and replayed " +
                "to a retry with the same key and body (with `Idempotent-Replayed: true`); the same key with another body " +
                "is 422 `idempotency_key_reused`, a retry while the first request still runs is 409 `request_in_progress`. " +
                "Optional; without it every call runs anew.",
                new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotencyFilter.MaxKeyLength, Pattern = "^[!-~]+$" },
                JsonValue.Create("5f0c6e9e-3b1a-4c2e-9d47-2a8f1e6b7c30"));
        }
        if (ifMatch)
        {
            AddHeaderParameter(operation, "If-Match",
                "The `ETag` of the read this change is based on. Another version (someone else changed the record) is " +
                "412 `precondition_failed`; reload and apply the change again. Optional; without it the change applies to " +
                "the current version.",
                new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 1000 },
                JsonValue.Create("\"48213\""));
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            parameter.Description ??= parameter.Name switch
            {
                "limit" => $"Items per page, 1-{Paging.MaxLimit} (default {Paging.DefaultLimit}).",
                "cursor" => "`nextCursor` of the previous page, unchanged; omit for the first page.",
                _ => null,
            };
        }

        foreach (var (status, response) in operation.Responses?.Select(r => (r.Key, r.Value)).OfType<(string, IOpenApiResponse)>() ?? [])
        {
            if (response is not OpenApiResponse target)
            {
                continue;
            }
            var success = status.StartsWith('2');
            if (success && etag)
            {
                AddHeader(target, "ETag", "Version of the record's own fields; send it as `If-Match` with PATCH.", JsonValue.Create("\"48213\""));
            }
            if (success && idempotent)
            {
                AddHeader(target, IdempotencyFilter.ReplayedHeader,
                    "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.", JsonValue.Create("true"));
            }
            if (status == "401" && basic is not null)
            {
                AddHeader(target, "WWW-Authenticate", "HTTP basic authentication with the configured credentials is required.",
                    JsonValue.Create(basic.Challenge));
            }
            else if (status == "401")
            {
                AddHeader(target, "WWW-Authenticate",
                    "`Bearer error=\"invalid_token\"` when the sent token was not accepted (expired, revoked, malformed): " +
                    "refresh or sign in again. Plain `Bearer` when no token was sent.",
                    JsonValue.Create(BearerChallenge.InvalidToken));
            }
        }
    }

    private static void AddHeaderParameter(OpenApiOperation operation, string name, string description, OpenApiSchema schema, JsonNode example)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = false,
            Description = description,
            Schema = schema,
            Example = example,
        });
    }

    private static void AddHeader(OpenApiResponse response, string name, string description, JsonNode example)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = example,
        };
    }
}

/// <summary>An endpoint authenticated with HTTP basic auth instead of a bearer token: its 401 carries this challenge.</summary>
public sealed record BasicChallengeMetadata(string Challenge);
