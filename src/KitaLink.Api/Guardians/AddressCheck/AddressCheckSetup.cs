using System.Net;
using DnsClient;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Guardians.AddressCheck;

public static partial class AddressCheckSetup
{
    /// <summary>
    /// The guardian address check with its DNS client (<c>EmailCheck__*</c>). Without configured servers the
    /// system resolver is used; a machine without any resolver gets "could not check", never a start failure.
    /// </summary>
    public static WebApplicationBuilder AddKitaLinkAddressCheck(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EmailCheckOptions>()
            .BindConfiguration(EmailCheckOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.DnsServers.All(s => TryParseServer(s, out _)), "EmailCheck:DnsServers must be IP addresses, optionally with :port.")
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmailCheckOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AddressCheckSetup));
            MailDomainLookup? lookup = null;
            if (options.Enabled && options.LookupMailServers)
            {
                lookup = new MailDomainLookup(CreateDnsClient(options, logger), TimeSpan.FromMilliseconds(options.DnsTimeoutMilliseconds),
                    options.ReferenceDomain.Trim());
            }
            return new GuardianEmailCheck(sp.GetRequiredService<IOptions<EmailCheckOptions>>(), lookup, sp.GetRequiredService<TimeProvider>());
        });
        return builder;
    }

    private static IDnsQuery? CreateDnsClient(EmailCheckOptions options, ILogger logger)
    {
        var servers = options.DnsServers.Select(s => TryParseServer(s, out var endpoint) ? endpoint! : null).OfType<IPEndPoint>().ToArray();
        try
        {
            var clientOptions = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
            clientOptions.Timeout = TimeSpan.FromMilliseconds(options.DnsTimeoutMilliseconds);
            clientOptions.Retries = 0;
            clientOptions.UseCache = true;
            clientOptions.ThrowDnsErrors = false;
            clientOptions.ContinueOnDnsError = true;
            clientOptions.MinimumCacheTimeout = TimeSpan.FromSeconds(30);
            clientOptions.MaximumCacheTimeout = TimeSpan.FromMinutes(Math.Max(1, options.CacheMinutes));
            return new LookupClient(clientOptions);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or DnsResponseException)
        {
            LogNoResolver(logger, exception.Message);
            return null;
        }
    }

    internal static bool TryParseServer(string value, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (IPEndPoint.TryParse(value.Trim(), out var parsed))
        {
            endpoint = parsed.Port == 0 ? new IPEndPoint(parsed.Address, 53) : parsed;
            return true;
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No DNS resolver for the guardian address check ({Reason}); mail domains are reported as 'could not check'")]
    private static partial void LogNoResolver(ILogger logger, string reason);
}
