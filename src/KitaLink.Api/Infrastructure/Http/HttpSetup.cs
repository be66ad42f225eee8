using System.Text.Json;
using System.Text.Json.Serialization;

namespace KitaLink.Api.Infrastructure.Http;

public static class HttpSetup
{
    /// <summary>Maximum request body; KitaLink's requests are small JSON documents.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddKitaLinkHttp(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        // Validation errors name fields as the JSON does (camelCase), in `errors` keys and messages.
        FluentValidation.ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        FluentValidation.ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        // Unreadable bodies throw BadHttpRequestException, which the exception handler turns into problem details.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddKitaLinkProblemDetails();
        return builder;
    }

    /// <summary>
    /// camelCase properties, snake_case enum values, and strictness on input: unknown members are
    /// rejected (no mass assignment by accident), numbers must be numbers.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
    }

    /// <summary>
    /// Rejects a declared body over <see cref="MaxRequestBodyBytes"/> before anything reads it. Kestrel
    /// enforces the same limit on chunked bodies as they are read (BadHttpRequestException 413).
    /// </summary>
    public static WebApplication UseKitaLinkRequestLimits(this WebApplication app)
    {
        app.Use(static (context, next) =>
            context.Request.ContentLength > MaxRequestBodyBytes
                ? ApiProblem.Of(ErrorCodes.PayloadTooLarge).ExecuteAsync(context)
                : next(context));
        return app;
    }

    /// <summary>Headers suited to a JSON API: no sniffing, no framing, no caching of personal data.</summary>
    public static WebApplication UseKitaLinkSecurityHeaders(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (!context.Request.Path.StartsWithSegments("/swagger"))
            {
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
                headers.XFrameOptions = "DENY";
                headers.CacheControl = "no-store";
            }
            return next(context);
        });
        return app;
    }
}
