namespace KitaLink.Api.Infrastructure.Security;

public static class ClientAddress
{
    /// <summary>The client's address after forwarded headers from trusted proxies were applied.</summary>
    public static string Of(HttpContext context) =>
        context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
