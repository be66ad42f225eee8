using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.MailEvents;

/// <summary>
/// How many reports of the request were recorded now, recorded before (a provider's retry), named no message of this
/// service, or were events of no interest (complaints, opens, auto-responders, an SNS subscription confirmation).
/// </summary>
public sealed record MailEventsReceipt(int Recorded, int Duplicates, int UnknownMessages, int Ignored);

/// <summary>Bounce and delivery events of mail providers: the same delivery reports as the bounce mailbox, pushed by the provider.</summary>
public static partial class MailEventsApi
{
    /// <summary>Realm of the basic-auth challenge on 401.</summary>
    public const string Challenge = "Basic realm=\"kitalink-mail-events\", charset=\"UTF-8\"";

    public static IEndpointRouteBuilder MapMailEvents(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/mail-events/{provider}", ReceiveAsync)
            .WithTag("Mail events", "Bounce and delivery events of mail providers (Amazon SES through SNS, Postmark), tied to the PIN 2 mail they concern.")
            .AllowAnonymous()
            .DisableRateLimiting()
            .WithName("receiveMailEvents")
            .WithSummary("Receive a mail provider's bounce and delivery events")
            .WithDescription(
                "`provider`: `ses` (Amazon SES notifications through an SNS HTTPS subscription: the SNS envelope, `Content-Type: text/plain` as " +
                "SNS sends it; `Bounce`, `Delivery`, `DeliveryDelay`) or `postmark` (bounce and delivery webhooks). Authenticated with HTTP basic " +
                "auth (put the credentials in the subscription or webhook URL, `https://user:password@host/api/v1/mail-events/ses`); a provider " +
                "without configured credentials does not exist (404). Each event is recorded once: a provider's retry is counted in " +
                "`duplicates` and changes nothing. An event about a mail this service does not know is acknowledged (`unknownMessages`), so " +
                "the provider does not retry it. A bounce moves the PIN 2 delivery to `bounced`, a soft bounce or delay to `deferred`, a " +
                "delivery to `delivered` (help desk view, onboarding overview, audit trail).")
            .Accepts<JsonElement>("application/json", "text/plain")
            .WithMetadata(new BasicChallengeMetadata(Challenge))
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Unauthenticated);
        return app;
    }

    public static async Task<Results<Ok<MailEventsReceipt>, ApiProblem>> ReceiveAsync(
        string provider,
        HttpContext http,
        IEnumerable<IProviderEvents> providers,
        IOptions<BounceOptions> options,
        MailDeliveryEvents events,
        IHttpClientFactory httpClients,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var format = providers.FirstOrDefault(p => p.Name == provider);
        var credentials = format?.Credentials(settings);
        // A provider that is not configured is not there: nobody can learn which ones exist by probing.
        if (format is null || credentials is not { Enabled: true })
        {
            return ApiProblem.NotFound();
        }
        if (!Authenticated(http.Request, credentials))
        {
            http.Response.Headers.WWWAuthenticate = Challenge;
            return ApiProblem.Of(ErrorCodes.Unauthenticated);
        }

        var body = await ReadBodyAsync(http.Request, settings.MaxEventBytes, cancellationToken);
        if (body is null)
        {
            return ApiProblem.Of(ErrorCodes.PayloadTooLarge);
        }
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(body);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ApiProblem.Validation("body", "The body must be the provider's JSON event.");
        }
        var batch = format.Read(json, settings);
        if (batch.Error is { } error)
        {
            return ApiProblem.Validation("body", error);
        }
        var logger = loggers.CreateLogger(typeof(MailEventsApi));
        if (batch.SubscribeUrl is { } subscribe)
        {
            await ConfirmSubscriptionAsync(subscribe, httpClients, logger, cancellationToken);
        }

        int recorded = 0, duplicates = 0, unknown = 0;
        foreach (var report in batch.Reports)
        {
            switch (await events.RecordAsync(report, cancellationToken))
            {
                case MailDeliveryRecordResult.Recorded: recorded++; break;
                case MailDeliveryRecordResult.Duplicate: duplicates++; break;
                default: unknown++; break;
            }
        }
        return TypedResults.Ok(new MailEventsReceipt(recorded, duplicates, unknown, batch.Ignored));
    }

    /// <summary>HTTP basic auth against the configured pair, compared in fixed time.</summary>
    private static bool Authenticated(HttpRequest request, ProviderCredentials credentials)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return false;
        }
        string presented;
        try
        {
            presented = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = $"{credentials.Username}:{credentials.Password}";
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    /// <summary>The body up to <paramref name="limit"/> bytes; null when it is longer.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// SNS sends a confirmation link once per subscription; visiting it starts the notifications. Only an https link to
    /// an SNS host of AWS is followed, so a caller with the credentials cannot make the service fetch arbitrary URLs.
    /// </summary>
    private static async Task ConfirmSubscriptionAsync(Uri url, IHttpClientFactory httpClients, ILogger logger, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttps || !SnsHost().IsMatch(url.Host))
        {
            LogSubscriptionRefused(logger, url.Host);
            return;
        }
        try
        {
            using var client = httpClients.CreateClient(nameof(MailEventsApi));
            client.Timeout = TimeSpan.FromSeconds(10);
            using var response = await client.GetAsync(url, cancellationToken);
            LogSubscriptionConfirmed(logger, url.Host, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            LogSubscriptionFailed(logger, url.Host, e.Message);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SnsHost();

    [LoggerMessage(Level = LogLevel.Information, Message = "SNS subscription confirmed at {Host} (HTTP {Status})")]
    private static partial void LogSubscriptionConfirmed(ILogger logger, string host, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNS subscription confirmation at {Host} failed: {Error}; confirm it in the AWS console")]
    private static partial void LogSubscriptionFailed(ILogger logger, string host, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SNS subscription confirmation link to {Host} not followed: not an SNS host of AWS")]
    private static partial void LogSubscriptionRefused(ILogger logger, string host);
}
