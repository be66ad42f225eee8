using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// Every problem-details answer of every operation refers to the one <c>ProblemDetails</c> component, so
/// generated clients (NSwag, Kiota, openapi-typescript) have one error type and read <c>code</c> through it.
/// The codes an operation can answer with per status stay in the document, in forms all three generators
/// keep: the response description and the <c>x-error-codes</c> extension. Runs after
/// <see cref="ContractOperationFilter"/>, which narrows the codes per status.
/// </summary>
internal sealed class ProblemSchemaOperationFilter : IOperationFilter
{
    public const string ErrorCodesExtension = "x-error-codes";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var response in operation.Responses?.Values.OfType<OpenApiResponse>() ?? [])
        {
            if (response.Content is null || !response.Content.TryGetValue(ContractOperationFilter.ProblemJson, out var media)
                || media is not OpenApiMediaType problem)
            {
                continue;
            }
            var codes = KnownCodes(problem.Schema);
            problem.Schema = new OpenApiSchemaReference(ProblemSchemaDocumentFilter.ProblemSchema, context.Document);
            if (codes.Count > 0)
            {
                response.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                response.Extensions[ErrorCodesExtension] = new JsonNodeExtension(new JsonArray(codes.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()));
            }
        }
    }

    /// <summary>The <c>code</c> values the operation filter narrowed this status to (its <c>allOf</c> part).</summary>
    private static List<string> KnownCodes(IOpenApiSchema? schema) =>
        (schema?.AllOf ?? [])
            .Select(part => part.Properties is { } properties && properties.TryGetValue("code", out var code) ? code.Enum : null)
            .Where(values => values is not null)
            .SelectMany(values => values!)
            .Select(value => value.GetValue<string>())
            .ToList();
}

/// <summary>
/// The shared <c>ProblemDetails</c> component: <c>code</c> is an open string (a closed enum would make older
/// clients fail on a code added later) whose known values are listed in its description and in
/// <c>x-known-values</c>; <c>detail</c> is marked as the message Kiota puts into its exceptions. Response
/// enums say that they may grow.
/// </summary>
internal sealed class ProblemSchemaDocumentFilter : IDocumentFilter
{
    public const string ProblemSchema = "ProblemDetails";
    public const string KnownValuesExtension = "x-known-values";

    public const string GrowableEnumNote =
        "More values may be added in later versions (an additive change): treat an unknown value like the closest " +
        "known one or show it neutrally, never fail on it.";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null || !schemas.TryGetValue(ProblemSchema, out var problemSchema) || problemSchema is not OpenApiSchema problem
            || problem.Properties is null)
        {
            return;
        }
        schemas.Remove(ProblemDetailsSchemaFilter.ErrorCodeSchema);

        var known = ErrorCatalog.All.OrderBy(e => e.Status).ThenBy(e => e.Code, StringComparer.Ordinal).ToList();
        problem.Properties["code"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Pattern = "^[a-z][a-z0-9_]*$",
            Description = "Stable error code; branch on it. An open set: new codes may be added in later versions " +
                "(an additive change), so handle an unknown code by its HTTP status. Each operation lists the codes it " +
                "answers with per status (response description and `x-error-codes`). Known codes:\n\n" +
                string.Join("\n", known.Select(e => $"* `{e.Code}` ({e.Status}): {e.TitleEn}")),
            Extensions = new Dictionary<string, IOpenApiExtension>
            {
                [KnownValuesExtension] = new JsonNodeExtension(new JsonArray(known.Select(e => (JsonNode)JsonValue.Create(e.Code)).ToArray())),
            },
        };
        if (problem.Properties.TryGetValue("detail", out var detail) && detail is OpenApiSchema detailSchema)
        {
            detailSchema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            // Kiota: the generated exception's Message is this member.
            detailSchema.Extensions["x-ms-primary-error-message"] = new JsonNodeExtension(JsonValue.Create(true));
        }

        foreach (var (name, schema) in schemas)
        {
            if (schema is OpenApiSchema { Enum.Count: > 0 } enumSchema && name != ProblemSchema && IsResponseEnum(name))
            {
                enumSchema.Description = string.IsNullOrEmpty(enumSchema.Description)
                    ? GrowableEnumNote
                    : enumSchema.Description + "\n\n" + GrowableEnumNote;
            }
        }
    }

    /// <summary>Enums the service writes (requests that send them are checked strictly by the validators).</summary>
    private static bool IsResponseEnum(string name) => name is not ("FacilityStaffRole");
}
