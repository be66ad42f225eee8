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

/// <summary>
/// The checks the serializer cannot make on members it skips: a growable create request ignores unknown
/// members, but a NUL character or a duplicate member name anywhere in its body is still refused (400), as
/// for every other request. Reads the (at most 64 KiB) body once with <see cref="System.Text.Json.Utf8JsonReader"/>
/// and rewinds it for the endpoint.
/// </summary>
public static class GrowableRequestChecks
{
    public static WebApplication UseKitaLinkGrowableRequestChecks(this WebApplication app)
    {
        app.Use(static async (context, next) =>
        {
            var bodyType = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
            if (bodyType?.GetCustomAttribute<JsonUnmappedMemberHandlingAttribute>()?.UnmappedMemberHandling != JsonUnmappedMemberHandling.Skip
                || context.Request.HasJsonContentType() is false)
            {
                await next(context);
                return;
            }
            context.Request.EnableBuffering(bufferThreshold: (int)HttpSetup.MaxRequestBodyBytes);
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            context.Request.Body.Position = 0;
            if (Refusal(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { } reason)
            {
                Security.SecurityLog.ValidationFailed(context, ["body"]);
                await ApiProblem.Validation("body", reason).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>Why the body is refused, or null. Malformed JSON is left to the serializer's own answer.</summary>
    internal static string? Refusal(ReadOnlySpan<byte> json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json, new System.Text.Json.JsonReaderOptions { MaxDepth = 64 });
        var names = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case System.Text.Json.JsonTokenType.StartObject:
                        names.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case System.Text.Json.JsonTokenType.EndObject:
                        names.Pop();
                        break;
                    case System.Text.Json.JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (name.Contains('\0', StringComparison.Ordinal))
                        {
                            return "The JSON body contains a NUL character.";
                        }
                        if (!names.Peek().Add(name))
                        {
                            return $"The JSON body has the member '{name}' twice.";
                        }
                        break;
                    case System.Text.Json.JsonTokenType.String when reader.ValueIsEscaped && reader.GetString()!.Contains('\0', StringComparison.Ordinal):
                        return "The JSON body contains a NUL character.";
                }
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            // Unreadable JSON or an invalid escape (a lone surrogate): the serializer answers it (400).
            return null;
        }
        return null;
    }
}
