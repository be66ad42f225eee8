namespace KitaLink.Api.Infrastructure.Security;

/// <summary>
/// A fixed-window counter kept in PostgreSQL so that limits hold across any number of API instances.
/// </summary>
public sealed class RateLimitCounter
{
    public string Key { get; set; } = "";
    public DateTimeOffset WindowStart { get; set; }
    public int Count { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
