using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Webhooks;

/// <summary>An endpoint's host resolved to an address KitaLink must not call.</summary>
public sealed class WebhookAddressRefusedException(string host, IPAddress address, string kind)
    : IOException($"Refused: {host} resolves to {address}, a {kind} address. Only public addresses are called (Webhooks:AllowedNetworks lists exceptions).")
{
    public IPAddress Address { get; } = address;
}

/// <summary>Name resolution of endpoint hosts; a seam so tests can play a DNS that changes its answer.</summary>
public interface IWebhookHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

internal sealed class SystemWebhookHostResolver : IWebhookHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>
/// Keeps webhook requests away from the service's own network (SSRF): loopback, private, link-local, shared
/// (carrier-grade NAT), unspecified, multicast and other non-public ranges are refused unless an operator
/// lists the network in <c>Webhooks:AllowedNetworks</c>. The check runs when the connection is made, on every
/// address the name resolves to at that moment, and the socket connects only to those checked addresses, so a
/// DNS answer that changes between the URL check and the request (rebinding) cannot slip through.
/// </summary>
public sealed class WebhookAddressGuard(IWebhookHostResolver resolver, IOptions<WebhookOptions> options)
{
    private readonly IReadOnlyList<IPNetwork> _allowed = options.Value.Networks();

    private static readonly (IPNetwork Network, string Kind)[] s_refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("fc00::/7"), "private"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "private"),
    ];

    /// <summary>Why the address may not be called (e.g. <c>loopback</c>), or null when it may.</summary>
    public string? RefusalOf(IPAddress address)
    {
        // ::ffff:127.0.0.1 is 127.0.0.1.
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_allowed.Any(n => n.Contains(plain)))
        {
            return null;
        }
        foreach (var (network, kind) in s_refused)
        {
            if (network.Contains(plain))
            {
                return kind;
            }
        }
        return null;
    }

    /// <summary>The addresses of <paramref name="host"/>; throws when any of them is refused.</summary>
    public async Task<IPAddress[]> CheckedAddressesAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        foreach (var address in addresses)
        {
            if (RefusalOf(address) is { } kind)
            {
                throw new WebhookAddressRefusedException(host, address, kind);
            }
        }
        return addresses;
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>: resolve, check every address, connect only to checked ones.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await CheckedAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
