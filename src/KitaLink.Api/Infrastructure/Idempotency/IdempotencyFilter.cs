using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Infrastructure.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (IETF draft "The Idempotency-Key HTTP Header Field", semantics as Stripe's) on a
/// create endpoint. Runs after authentication, rate limiting and validation (a request that fails those never
/// owns a key), right before the handler:
/// <list type="bullet">
/// <item>no header: the request runs as always;</item>
/// <item>first use of the key by this caller: the request runs and its answer is stored for 24 hours;</item>
/// <item>same key, same request: the stored answer again, with <c>Idempotent-Replayed: true</c>;</item>
/// <item>same key, another request: 422 <c>idempotency_key_reused</c>;</item>
/// <item>same key while the first still runs: 409 <c>request_in_progress</c>.</item>
/// </list>
/// Answers of 5xx and 429 are not stored (the key is given back), so a retry after them runs again.
/// </summary>
internal sealed class IdempotencyFilter : IEndpointFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>Anonymous creates (registration) share one key space; keys must be unique (a UUID).</summary>
    public const string AnonymousScope = "anonymous";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return await next(context);
        }
        if (values.Count != 1 || !IsValidKey(values[0]))
        {
            SecurityLog.ValidationFailed(http, [HeaderName]);
            return ApiProblem.Validation(HeaderName,
                $"Send one key of 1 to {MaxKeyLength} visible ASCII characters, e.g. a UUID, and a new key for every new request.");
        }

        var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
        var claim = await store.BeginAsync(Scope(http.User), values[0]!, Fingerprint(context), http.RequestAborted);
        switch (claim)
        {
            case IdempotencyClaim.KeyReused:
                return ApiProblem.Of(ErrorCodes.IdempotencyKeyReused);
            case IdempotencyClaim.InProgress:
                return ApiProblem.Of(ErrorCodes.RequestInProgress);
            case IdempotencyClaim.Replay replay:
                return new ReplayResult(replay.Answer);
        }
        var claimed = (IdempotencyClaim.Claimed)claim;

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await store.ReleaseAsync(claimed);
            throw;
        }
        if (result is not IResult answer)
        {
            await store.ReleaseAsync(claimed);
            return result;
        }

        // Write the answer into a buffer first, so exactly these bytes are both stored and sent.
        var response = http.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await answer.ExecuteAsync(http);
        }
        catch
        {
            response.Body = original;
            await store.ReleaseAsync(claimed);
            throw;
        }
        response.Body = original;

        var body = buffer.ToArray();
        if (response.StatusCode is < 500 and not StatusCodes.Status429TooManyRequests)
        {
            await store.CompleteAsync(claimed, new StoredAnswer(response.StatusCode, Header(response.Headers.Location),
                Header(response.Headers.ETag), response.ContentType, body), CancellationToken.None);
        }
        else
        {
            await store.ReleaseAsync(claimed);
        }
        await response.Body.WriteAsync(body, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>Visible ASCII only: a key ends up in logs of proxies and clients, never control characters.</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => c is > ' ' and <= '~');

    /// <summary>The caller a key belongs to: the token's role and subject; anonymous creates share one scope.</summary>
    public static string Scope(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(ClaimNames.Subject) is { } subject
            ? $"{user.Role()}:{subject}"
            : AnonymousScope;

    /// <summary>Method, path and the bound body (as the service reads it): what "the same request" means.</summary>
    private static string Fingerprint(EndpointFilterInvocationContext context)
    {
        var http = context.HttpContext;
        var bodyType = http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var body = bodyType is null ? null : context.Arguments.FirstOrDefault(a => a is not null && a.GetType() == bodyType);
        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var text = $"{http.Request.Method}\n{http.Request.Path}\n{(body is null ? "" : JsonSerializer.Serialize(body, bodyType!, json))}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static string? Header(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 ? null : value.ToString();

    /// <summary>The stored first answer, byte for byte, marked as a replay.</summary>
    private sealed class ReplayResult(StoredAnswer answer) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = answer.StatusCode;
            if (answer.Location is not null)
            {
                response.Headers.Location = answer.Location;
            }
            if (answer.ETag is not null)
            {
                response.Headers.ETag = answer.ETag;
            }
            if (answer.ContentType is not null)
            {
                response.ContentType = answer.ContentType;
            }
            response.Headers[ReplayedHeader] = "true";
            await response.Body.WriteAsync(answer.Body, httpContext.RequestAborted);
        }
    }
}

/// <summary>Endpoint metadata: this create endpoint honours <c>Idempotency-Key</c> (read by the OpenAPI filter).</summary>
public sealed class IdempotentCreateMetadata
{
    public static readonly IdempotentCreateMetadata Instance = new();
}

public static class IdempotencySetup
{
    public static IServiceCollection AddKitaLinkIdempotency(this IServiceCollection services)
    {
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.Section);
        services.AddSingleton<IdempotencyStore>();
        services.AddHostedService<IdempotencyCleanup>();
        return services;
    }

    /// <summary>
    /// Honours <c>Idempotency-Key</c>. Call it last on the endpoint, after rate limits and validation, so it
    /// wraps only the handler.
    /// </summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<IdempotencyFilter>()
            .WithMetadata(IdempotentCreateMetadata.Instance)
            .ProducesErrors(ErrorCodes.ValidationFailed, ErrorCodes.IdempotencyKeyReused, ErrorCodes.RequestInProgress);
}
