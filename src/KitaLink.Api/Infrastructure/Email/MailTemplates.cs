namespace KitaLink.Api.Infrastructure.Email;

/// <summary>What the PIN 2 email says. Holds PIN 2, never PIN 1.</summary>
public sealed record Pin2MailModel(
    string GuardianName,
    string ChildFirstName,
    string FacilityName,
    string Pin2Formatted,
    DateTimeOffset ExpiresAt);

public sealed record PasswordResetMailModel(string ResetToken, DateTimeOffset ExpiresAt);

/// <summary>Bilingual (German first, then English) plain-text and HTML mails.</summary>
public static class MailTemplates
{
    public static MailContent Pin2(Pin2MailModel model) => throw new NotImplementedException("Mail templates land with the outbox sender.");

    public static MailContent PasswordReset(PasswordResetMailModel model) => throw new NotImplementedException("Mail templates land with the outbox sender.");
}
