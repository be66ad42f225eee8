namespace KitaLink.Api.Pins;

/// <summary>
/// A redemption with both PINs of the pair right but another email: the entitled parent with a typo (or
/// another address). Staff see the masked address and the time in the help desk view, so they can answer
/// "which email did you use?" without asking. Only the masked form is stored (<c>el***@googlemail.com</c>),
/// never the full address; the rows belong to the pair and go with it (cascade).
/// </summary>
public sealed class WrongEmailAttempt
{
    private WrongEmailAttempt() { }

    public WrongEmailAttempt(Guid pinPairId, string maskedEmail, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        PinPairId = pinPairId;
        MaskedEmail = maskedEmail;
        AttemptedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid PinPairId { get; private set; }
    public string MaskedEmail { get; private set; } = "";
    public DateTimeOffset AttemptedAt { get; private set; }
}
