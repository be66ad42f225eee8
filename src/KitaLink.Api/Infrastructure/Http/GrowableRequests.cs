using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// <c>additionalProperties: false</c> only where the service refuses unknown members. Create requests marked
/// <c>[JsonUnmappedMemberHandling(Skip)]</c> tolerate (ignore, never bind) members they do not know: a client
/// built against a newer version may send an optional member an older instance does not know yet, e.g.
/// during a rolling deploy. Every other request (PATCH bodies, sign-in, tokens, passwords) stays strict,
/// because an ignored member there would be a silent no-op (a misspelled field of a PATCH). Responses say
/// nothing, so generated clients accept members added later. Duplicate members and NUL characters are
/// refused everywhere (<see cref="HttpSetup.Configure"/>).
/// </summary>
internal sealed class GrowableSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties.Count: > 0 } target)
        {
            return;
        }
        var tolerant = context.Type.GetCustomAttribute<JsonUnmappedMemberHandlingAttribute>()?.UnmappedMemberHandling == JsonUnmappedMemberHandling.Skip;
        var strictRequest = context.Type.Name.EndsWith("Request", StringComparison.Ordinal) && !tolerant;
        if (!strictRequest)
        {
            target.AdditionalPropertiesAllowed = true;
            target.AdditionalProperties = null;
        }
    }
}
