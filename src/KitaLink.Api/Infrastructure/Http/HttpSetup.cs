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
        // {"email":"a@b.de","email":"x@y.de"}: parsers disagree on which one wins, so neither does.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new NoNullCharacterStringConverter());
    }

    /// <summary>
    /// Rejects a declared body over <see cref="MaxRequestBodyBytes"/> before anything reads it, and caps a
    /// body of undeclared length (chunked) as it is read. Kestrel enforces the same limit; this holds
    /// whatever server hosts the pipeline.
    /// </summary>
    public static WebApplication UseKitaLinkRequestLimits(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            var request = context.Request;
            if (request.ContentLength > MaxRequestBodyBytes)
            {
                return ApiProblem.Of(ErrorCodes.PayloadTooLarge).ExecuteAsync(context);
            }
            if (request.ContentLength is null && request.Body != Stream.Null)
            {
                request.Body = new LengthLimitedStream(request.Body, MaxRequestBodyBytes);
            }
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// Headers suited to a JSON API: no sniffing, no framing, no caching of personal data. Set when the
    /// response starts, so answers the exception handler rewrites (500, 503) carry them too.
    /// </summary>
    public static WebApplication UseKitaLinkSecurityHeaders(this WebApplication app)
    {
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                var headers = http.Response.Headers;
                // The problem details writer names no charset; every JSON body says it is UTF-8.
                if (http.Response.ContentType == "application/problem+json")
                {
                    http.Response.ContentType = "application/problem+json; charset=utf-8";
                }
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                if (!http.Request.Path.StartsWithSegments("/swagger"))
                {
                    headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
                    headers.XFrameOptions = "DENY";
                    headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        return app;
    }
}

/// <summary>
/// Refuses U+0000 in JSON strings (a 400 like any unreadable body). PostgreSQL text cannot store it, so
/// it would otherwise surface as a database error deep inside a request; no field of KitaLink needs it.
/// </summary>
internal sealed class NoNullCharacterStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException();
        }
        return Checked(reader.GetString());
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()) ?? "";

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string? Checked(string? value) =>
        value is not null && value.Contains('\0', StringComparison.Ordinal)
            ? throw new JsonException("The string contains a NUL character.")
            : value;
}

/// <summary>A read-only view of a request body that fails with 413 once more than the limit was read.</summary>
internal sealed class LengthLimitedStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        return _read > limit
            ? throw new BadHttpRequestException("The request body is too large.", StatusCodes.Status413PayloadTooLarge)
            : read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
