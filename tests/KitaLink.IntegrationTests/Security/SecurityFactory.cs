using System.Net;
using System.Security.Cryptography;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// The service behind one trusted reverse proxy (<see cref="ProxyAddress"/>), with the connection's
/// remote address under the test's control. TestServer has no network peer, so a startup filter sets
/// <c>Connection.RemoteIpAddress</c> before the pipeline, from the <see cref="PeerHeader"/> the test
/// sends; without it every request comes from a fresh random address, like unrelated clients, so test
/// set-up never fills a per-address counter. The service's own forwarded-headers handling then runs as
/// in production.
/// </summary>
public class SecurityFactory : KitaLinkFactory
{
    public const string ProxyAddress = "10.0.0.1";
    public const string PeerHeader = "X-Test-Peer";

    /// <summary>Further settings of a subclass (tight limits, lockout thresholds, ...).</summary>
    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    protected sealed override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = ProxyAddress };
            foreach (var (key, value) in ExtraSettings)
            {
                settings[key] = value;
            }
            return settings;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new PeerAddressFilter()));
    }

    /// <summary>A client whose connections come straight from <paramref name="peer"/> (no proxy).</summary>
    public HttpClient ClientFrom(string peer)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        return client;
    }

    /// <summary>A client at <paramref name="clientAddress"/> whose requests reach the service through the trusted proxy.</summary>
    public HttpClient ClientBehindProxy(string clientAddress)
    {
        var client = ClientFrom(ProxyAddress);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        return client;
    }

    private static int s_nextAddress;

    /// <summary>An address (from 198.18.0.0/15, the benchmarking range) no other test of the run uses.</summary>
    public static string UniqueAddress()
    {
        var n = Interlocked.Increment(ref s_nextAddress);
        return new IPAddress([198, (byte)(18 + (n >> 16 & 1)), (byte)(n >> 8), (byte)n]).ToString();
    }

    /// <summary>Somewhere in 100.64.0.0/10 (shared address space): the address of a request that names no peer.</summary>
    private static IPAddress RandomAddress()
    {
        var host = RandomNumberGenerator.GetInt32(1, (1 << 22) - 1);
        return new IPAddress([100, (byte)(64 | host >> 16), (byte)(host >> 8), (byte)host]);
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress =
                    context.Request.Headers.Remove(PeerHeader, out var peer) && IPAddress.TryParse(peer, out var address)
                        ? address
                        : RandomAddress();
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
