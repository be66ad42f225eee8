using System.Globalization;
using System.Text.Json.Nodes;
using KitaLink.Api.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// Makes every operation complete for a client generator: security requirement (or <c>security: []</c>),
/// who may call it, examples for parameters, request and success bodies, and every problem-details answer
/// it can give, grouped by status, with the <c>code</c> values narrowed per status and one example per code.
/// An endpoint without an operationId, summary, description, tag or body example fails the document build
/// (and with it the OpenApiDocumentTests), so an incomplete endpoint cannot be published.
/// </summary>
internal sealed class ContractOperationFilter(IServiceProvider services) : IOperationFilter
{
    public const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<string, string> s_callers = new(StringComparer.Ordinal)
    {
        [Security.Policies.Parent] = "a parent (token from `POST /api/v1/auth/token` or registration).",
        [Security.Policies.Staff] = "facility staff, role `admin` or `educator` (token from `POST /api/v1/staff/auth/token`). " +
            "The facility always comes from the token.",
        [Security.Policies.FacilityAdmin] = "a facility admin, role `admin` (token from `POST /api/v1/staff/auth/token`). " +
            "The facility always comes from the token.",
        [Security.Policies.Operator] = "an operator, role `operator` (token from `POST /api/v1/staff/auth/token`).",
        [Security.Policies.StaffAccount] = "any staff account, role `admin`, `educator` or `operator` (token from `POST /api/v1/staff/auth/token`).",
        [Security.Policies.StaffSecondFactor] = "any staff account (token from `POST /api/v1/staff/auth/token`), or the `enrolmentToken` of " +
            "an `mfa_enrolment_required` answer, which reaches nothing else.",
    };

    private static readonly Dictionary<string, string> s_parameterDescriptions = new(StringComparer.Ordinal)
    {
        ["facilityId"] = "Id of the facility (`id` of `POST /api/v1/facilities`).",
        ["childId"] = "Id of the child (`id` of the child record).",
        ["guardianId"] = "Id of the guardian (`id` of `POST .../guardians`).",
        ["staffId"] = "Id of the staff account (`id` in `GET /api/v1/facility/staff` or a facility's `admins`).",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var description = context.ApiDescription;
        // That every operation has a name, summary, description and tag is checked by OpenApiCompletenessTests.
        var id = operation.OperationId ?? "";

        var metadata = description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var policy = anonymous ? null : metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
        var authorized = !anonymous && metadata.OfType<IAuthorizeData>().Any();
        operation.Security ??= [];
        operation.Security.Clear();
        if (authorized)
        {
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SwaggerSetup.BearerScheme, context.Document)] = [],
            });
            if (policy is not null && s_callers.TryGetValue(policy, out var caller))
            {
                operation.Description += "\n\n**Caller:** " + caller;
            }
        }
        else
        {
            operation.Description += "\n\n**Caller:** anyone; no token needed.";
        }

        DescribeParameters(operation, id);
        var bodyType = description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type;
        DescribeRequestBody(operation, id, bodyType);
        DescribeSuccess(operation, context, id);

        var codes = metadata.OfType<ErrorCodesMetadata>().SelectMany(m => m.Codes).ToList();
        var hasQuery = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Query);
        if (operation.RequestBody is not null || hasQuery)
        {
            // Unreadable JSON and unparsable query values are answered before any handler runs.
            codes.Add(ErrorCodes.ValidationFailed);
        }
        if (operation.RequestBody is not null)
        {
            codes.Add(ErrorCodes.PayloadTooLarge);
            codes.Add(ErrorCodes.UnsupportedMediaType);
        }
        if (authorized)
        {
            codes.Add(ErrorCodes.Unauthenticated);
            codes.Add(ErrorCodes.Forbidden);
        }
        if (!(description.RelativePath ?? "").StartsWith("health", StringComparison.Ordinal))
        {
            // Every operation but the probes reads PostgreSQL: while it is unreachable the answer is 503 with Retry-After.
            codes.Add(ErrorCodes.ServiceUnavailable);
        }
        codes.Add(ErrorCodes.InternalError);

        var validatedType = bodyType
            ?? description.ParameterDescriptions.Where(p => p.Source == BindingSource.Query)
                .Select(p => p.ModelMetadata?.ContainerType).FirstOrDefault(t => t is not null);
        operation.Responses ??= [];
        foreach (var group in codes.Distinct().GroupBy(c => ErrorCatalog.Get(c).Status).OrderBy(g => g.Key))
        {
            var key = group.Key.ToString(CultureInfo.InvariantCulture);
            var groupCodes = group.OrderBy(c => c, StringComparer.Ordinal).ToList();
            operation.Responses[key] = ProblemResponse(context, id, description.RelativePath ?? "", groupCodes, validatedType, operation.RequestBody is not null);
        }

        // Success first, then the errors by status, so the UI and the file read in order.
        var ordered = operation.Responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        operation.Responses.Clear();
        foreach (var (key, response) in ordered)
        {
            operation.Responses[key] = response;
        }
    }

    private static void DescribeParameters(OpenApiOperation operation, string id)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            parameter.Example = OpenApiExamples.Parameter(parameter.Name!);
            if (parameter.Description is null && s_parameterDescriptions.TryGetValue(parameter.Name!, out var text))
            {
                parameter.Description = text;
            }
        }
    }

    private static void DescribeRequestBody(OpenApiOperation operation, string id, Type? bodyType)
    {
        if (operation.RequestBody?.Content is not { } content)
        {
            return;
        }
        // A body read raw (no bound type, e.g. a provider's webhook) has its example by operation only.
        foreach (var media in content.Values.OfType<OpenApiMediaType>())
        {
            media.Example = OpenApiExamples.Request(id, bodyType ?? typeof(object));
        }
    }

    private static void DescribeSuccess(OpenApiOperation operation, OperationFilterContext context, string id)
    {
        foreach (var produced in context.ApiDescription.SupportedResponseTypes)
        {
            if (produced.Type is null || produced.Type == typeof(void) || produced.Type == typeof(Microsoft.AspNetCore.Mvc.ProblemDetails)
                || !operation.Responses!.TryGetValue(produced.StatusCode.ToString(CultureInfo.InvariantCulture), out var response)
                || response.Content is null)
            {
                continue;
            }
            foreach (var (mediaType, media) in response.Content)
            {
                if (!mediaType.Contains("json", StringComparison.Ordinal) || media is not OpenApiMediaType target)
                {
                    continue;
                }
                target.Example = OpenApiExamples.Response(id, produced.StatusCode, produced.Type);
            }
        }
    }

    private OpenApiResponse ProblemResponse(
        OperationFilterContext context, string id, string relativePath, IReadOnlyList<string> codes, Type? validatedType, bool hasBody)
    {
        var problemSchema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository);
        var instance = "/" + ExamplePath(relativePath);
        var examples = new Dictionary<string, IOpenApiExample>(StringComparer.Ordinal);
        foreach (var code in codes)
        {
            var entry = ErrorCatalog.Get(code);
            var value = new JsonObject
            {
                ["type"] = ErrorCatalog.TypeUri(code),
                ["title"] = entry.TitleEn,
                ["status"] = entry.Status,
                ["detail"] = entry.DetailEn,
                ["instance"] = instance,
                ["code"] = code,
                ["traceId"] = OpenApiExamples.TraceId,
            };
            if (code == ErrorCodes.ValidationFailed)
            {
                var errors = OpenApiExamples.ValidationErrors(id, validatedType, services)
                    ?? new Dictionary<string, string[]>
                    {
                        ["body"] = [hasBody ? "The request body is not valid JSON." : "The request could not be read."],
                    };
                value["errors"] = OpenApiExamples.ToNode(errors);
            }
            if (code == ErrorCodes.EmailMismatch)
            {
                value["emailHint"] = EmailAddress.Mask(OpenApiExamples.ParentEmail);
            }
            if (code == ErrorCodes.MfaRequired)
            {
                value["challenge"] = OpenApiExamples.MfaChallenge;
                value["challengeExpiresAt"] = OpenApiExamples.ToNode(OpenApiExamples.Registered.AddMinutes(5));
            }
            if (code == ErrorCodes.MfaEnrolmentRequired)
            {
                value["enrolmentToken"] = OpenApiExamples.StaffAccessToken;
                value["enrolmentTokenExpiresAt"] = OpenApiExamples.ToNode(OpenApiExamples.Registered.AddMinutes(15));
            }
            if (code == ErrorCodes.EmailSuspect)
            {
                value["reasons"] = new JsonArray("domain_typo", "no_mail_server");
                value["suggestion"] = "julia.schneider@gmail.com";
            }
            examples[code] = new OpenApiExample { Summary = $"{code}: {entry.TitleEn}", Value = value };
        }

        var response = new OpenApiResponse
        {
            Description = string.Join(" ", codes.Select(c => $"`{c}`: {ErrorCatalog.Get(c).TitleEn}")),
            Content = new Dictionary<string, IOpenApiMediaType>
            {
                [ProblemJson] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        AllOf =
                        [
                            problemSchema,
                            new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "code" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["code"] = new OpenApiSchema
                                    {
                                        Type = JsonSchemaType.String,
                                        Description = "The codes this operation answers with at this status.",
                                        Enum = codes.Select(c => (JsonNode)JsonValue.Create(c)).ToList(),
                                    },
                                },
                            },
                        ],
                    },
                    Examples = examples,
                },
            },
        };
        var status = ErrorCatalog.Get(codes[0]).Status;
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1" },
                    Example = status == StatusCodes.Status429TooManyRequests ? 120 : 1,
                },
            };
        }
        return response;
    }

    /// <summary>The operation's path with the example ids, as the problem's <c>instance</c>.</summary>
    private static string ExamplePath(string relativePath)
    {
        var path = relativePath.TrimEnd('/');
        foreach (var name in new[] { "facilityId", "childId", "guardianId" })
        {
            path = path.Replace("{" + name + "}", OpenApiExamples.Parameter(name)!.GetValue<Guid>().ToString(), StringComparison.Ordinal);
        }
        return path;
    }
}

/// <summary>
/// The problem-details schema as the service writes it (<see cref="ProblemDetailsSetup"/>): RFC 9457 members
/// plus <c>code</c>, <c>traceId</c> and, for some codes, <c>errors</c> or <c>emailHint</c>.
/// </summary>
internal sealed class ProblemDetailsSchemaFilter : ISchemaFilter
{
    public const string ErrorCodeSchema = "ErrorCode";

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type != typeof(Microsoft.AspNetCore.Mvc.ProblemDetails) || schema is not OpenApiSchema target)
        {
            return;
        }
        if (!context.SchemaRepository.Schemas.ContainsKey(ErrorCodeSchema))
        {
            var table = string.Join("\n", ErrorCatalog.All.OrderBy(e => e.Status).ThenBy(e => e.Code, StringComparer.Ordinal)
                .Select(e => $"* `{e.Code}` ({e.Status}): {e.TitleEn}"));
            context.SchemaRepository.AddDefinition(ErrorCodeSchema, new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Stable error code of a problem-details answer. Part of the contract: clients branch on it.\n\n" + table,
                Enum = ErrorCatalog.All.Select(e => e.Code).Order(StringComparer.Ordinal).Select(c => (JsonNode)JsonValue.Create(c)).ToList(),
            });
        }

        target.Type = JsonSchemaType.Object;
        target.Description = "RFC 9457 problem details. Branch on `code`; `title` and `detail` are for people (English, or German with `Accept-Language: de`).";
        target.AdditionalProperties = null;
        target.AdditionalPropertiesAllowed = true;
        target.Required = new HashSet<string> { "type", "title", "status", "detail", "instance", "code", "traceId" };
        target.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "uri",
                Description = "URI of the problem type, derived from `code`.",
            },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Short summary in the caller's language." },
            ["status"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = "400",
                Maximum = "599",
                Description = "The HTTP status code.",
            },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What to do next, in the caller's language." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request path." },
            ["code"] = new OpenApiSchemaReference(ErrorCodeSchema),
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "W3C trace id of the request; quote it to support." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Only with `validation_failed`: messages per field (camelCase, as in the request; `body` for an unreadable body).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["emailHint"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Only with `email_mismatch`: the guardian email on file, local part masked (e.g. `ju***@example.com`).",
            },
            ["reasons"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "Only with `email_suspect`: why the address looks wrong. `domain_typo`: likely typo of a common mail provider; " +
                    "`tld_typo`: likely typo of the top-level domain (`.con`, `.dee`); `no_mail_server`: the domain has no MX and no A/AAAA record, " +
                    "or does not exist. More values may be added.",
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [JsonValue.Create("domain_typo"), JsonValue.Create("tld_typo"), JsonValue.Create("no_mail_server")],
                },
            },
            ["challenge"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Only with `mfa_required`: send it with the code to `POST /api/v1/auth/token/mfa` (staff: " +
                    "`POST /api/v1/staff/auth/token/mfa`). Single use, bound to the account, valid until `challengeExpiresAt`.",
            },
            ["challengeExpiresAt"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "date-time",
                Description = "Only with `mfa_required`: until when the challenge can be completed (5 minutes).",
            },
            ["enrolmentToken"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Only with `mfa_enrolment_required`: a bearer token that reaches only the staff second-factor endpoints " +
                    "(`/api/v1/staff/me/mfa/totp`), to set up the authenticator app; then sign in again.",
            },
            ["enrolmentTokenExpiresAt"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "date-time",
                Description = "Only with `mfa_enrolment_required`: when the enrolment token stops working (15 minutes).",
            },
            ["suggestion"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String | JsonSchemaType.Null,
                Description = "Only with `email_suspect`: the address probably meant (e.g. `julia.schneider@gmail.com` for `...@gmial.com`), or null.",
            },
        };
    }
}

/// <summary>
/// Document-wide parts: the server, the tags in reading order with descriptions, and the rule that a
/// response-only schema lists every property as required (the service always writes all of them, null
/// when empty).
/// </summary>
internal sealed class ContractDocumentFilter : IDocumentFilter
{
    /// <summary>The reading order of the tags; each feature describes its own tag (<see cref="OpenApiTags.WithTag{TBuilder}"/>). Others follow by name.</summary>
    private static readonly string[] s_tagOrder =
    [
        "Staff authentication", "Operator", "Facility staff", "Children", "Guardians", "PINs",
        "Parent registration", "Parent authentication", "Parent account", "Parent children", "Health",
    ];

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Servers =
        [
            new OpenApiServer
            {
                Url = "/",
                Description = "The host serving this document (scripts/run.sh prints it, e.g. http://127.0.0.1:5080).",
            },
        ];

        var used = document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        // A tag without a description fails OpenApiCompletenessTests.
        var descriptions = context.ApiDescriptions
            .SelectMany(d => d.ActionDescriptor.EndpointMetadata.OfType<TagDescriptionMetadata>())
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Description, StringComparer.Ordinal);
        document.Tags = new HashSet<OpenApiTag>(used
            .OrderBy(name => Array.IndexOf(s_tagOrder, name) is var index and >= 0 ? index : s_tagOrder.Length)
            .ThenBy(name => name, StringComparer.Ordinal)
            .Select(name => new OpenApiTag { Name = name, Description = descriptions.GetValueOrDefault(name ?? "") }));

        MarkResponsePropertiesRequired(document);
    }

    private static void MarkResponsePropertiesRequired(OpenApiDocument document)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null)
        {
            return;
        }
        var inRequests = new HashSet<string>(StringComparer.Ordinal);
        var inResponses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []))
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
            {
                Collect(media.Schema, schemas, inRequests);
            }
            foreach (var parameter in operation.Parameters ?? [])
            {
                Collect(parameter.Schema, schemas, inRequests);
            }
            foreach (var response in (IEnumerable<IOpenApiResponse>?)operation.Responses?.Values ?? [])
            {
                foreach (var media in response.Content?.Values ?? [])
                {
                    Collect(media.Schema, schemas, inResponses);
                }
            }
        }
        foreach (var name in inResponses.Except(inRequests))
        {
            if (schemas[name] is OpenApiSchema { Properties.Count: > 0 } schema && name != "ProblemDetails")
            {
                schema.Required = new HashSet<string>(schema.Properties.Keys, StringComparer.Ordinal);
            }
        }
    }

    private static void Collect(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> seen)
    {
        switch (schema)
        {
            case null:
                return;
            case OpenApiSchemaReference reference:
                var id = reference.Reference.Id;
                if (id is not null && seen.Add(id) && schemas.TryGetValue(id, out var target))
                {
                    Collect(target, schemas, seen);
                }
                return;
        }
        foreach (var property in schema.Properties?.Values ?? [])
        {
            Collect(property, schemas, seen);
        }
        Collect(schema.Items, schemas, seen);
        if (schema.AdditionalProperties is { } additional)
        {
            Collect(additional, schemas, seen);
        }
        foreach (var part in (schema.AllOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.OneOf ?? []))
        {
            Collect(part, schemas, seen);
        }
    }
}

/// <summary>Endpoint metadata: the description of an OpenAPI tag, declared by the feature that owns the tag.</summary>
public sealed record TagDescriptionMetadata(string Name, string Description);

public static class OpenApiTags
{
    /// <summary>Tags the endpoints with <paramref name="name"/> and describes that tag in the OpenAPI document.</summary>
    public static TBuilder WithTag<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithTags(name).WithMetadata(new TagDescriptionMetadata(name, description));
}
