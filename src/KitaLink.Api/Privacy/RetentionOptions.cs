using System.ComponentModel.DataAnnotations;

namespace KitaLink.Api.Privacy;

/// <summary><c>Retention__*</c>: how long personal and secret data is kept (GDPR Art. 5(1)(e)); reasons in docs/privacy.md.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Run the retention job in this instance (several instances may; one runs a round at a time).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each instance tries a round.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Days after a pair was redeemed, revoked, locked or expired until its secret material is wiped.</summary>
    [Range(1, 3650)]
    public int PinSecretsDays { get; set; } = 30;

    /// <summary>Days an audit event keeps its personal fields (actor name, client address, details).</summary>
    [Range(30, 36500)]
    public int AuditEventDays { get; set; } = 730;
}
