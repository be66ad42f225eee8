using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.UnitTests.Mail;

/// <summary>
/// The classification rule on its own, one input at a time: the DSN action outranks the status code, each enhanced code
/// maps to its reason without help from the text, and each family of server words maps to its reason without a code.
/// </summary>
public sealed class MailDeliveryClassifierTests
{
    [Theory]
    [InlineData("delivered", MailDeliveryOutcome.Delivered)]
    [InlineData("RELAYED", MailDeliveryOutcome.Delivered)]
    [InlineData("expanded", MailDeliveryOutcome.Delivered)]
    [InlineData("Delayed", MailDeliveryOutcome.Deferred)]
    [InlineData("FAILED", MailDeliveryOutcome.Bounced)]
    public void Outcome_TheActionAloneDecides(string action, MailDeliveryOutcome expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Outcome(null, action, null));

    [Theory]
    // A message that expired in the queue: Postfix reports "Action: failed" with the 4.4.7 of the last attempt.
    [InlineData("4.4.7", "failed", MailDeliveryOutcome.Bounced)]
    [InlineData("5.1.1", "delayed", MailDeliveryOutcome.Deferred)]
    [InlineData("5.0.0", "relayed", MailDeliveryOutcome.Delivered)]
    public void Outcome_TheActionOutranksTheCode(string code, string action, MailDeliveryOutcome expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Outcome(code, action, null));

    [Theory]
    [InlineData("2.0.0", "unknown-action", MailDeliveryOutcome.Delivered)]
    [InlineData("4.2.2", "x-other", MailDeliveryOutcome.Deferred)]
    [InlineData("5.2.2", "", MailDeliveryOutcome.Bounced)]
    public void Outcome_AnUnknownActionLeavesItToTheCode(string code, string action, MailDeliveryOutcome expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Outcome(code, action, "will retry later"));

    [Theory]
    [InlineData("", null, MailDeliveryOutcome.Bounced)]
    [InlineData("", "The message is delayed", MailDeliveryOutcome.Deferred)]
    [InlineData(null, null, MailDeliveryOutcome.Bounced)]
    public void Outcome_WithoutACodeTheWordsDecide_AndNothingAtAllIsABounce(string? code, string? text, MailDeliveryOutcome expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Outcome(code, null, text));

    [Theory]
    [InlineData("5.2.2", MailDeliveryReason.MailboxFull)]
    [InlineData("4.2.2", MailDeliveryReason.MailboxFull)]
    [InlineData("5.1.2", MailDeliveryReason.DomainUnknown)]
    [InlineData("5.4.4", MailDeliveryReason.DomainUnknown)]
    [InlineData("5.1.1", MailDeliveryReason.AddressUnknown)]
    [InlineData("5.1.0", MailDeliveryReason.AddressUnknown)]
    [InlineData("5.1.3", MailDeliveryReason.AddressUnknown)]
    [InlineData("5.1.6", MailDeliveryReason.AddressUnknown)]
    [InlineData("5.1.10", MailDeliveryReason.AddressUnknown)]
    [InlineData("5.2.1", MailDeliveryReason.MailboxDisabled)]
    [InlineData("5.7.1", MailDeliveryReason.Blocked)]
    [InlineData("5.7.606", MailDeliveryReason.Blocked)]
    [InlineData("5.0.0", MailDeliveryReason.Rejected)]
    [InlineData("5.3.0", MailDeliveryReason.Rejected)]
    [InlineData("5.1", MailDeliveryReason.Rejected)]
    public void Reason_EachCodeAloneGivesItsReason(string code, MailDeliveryReason expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Bounced, code, null));

    [Theory]
    [InlineData("Quota exceeded for this recipient", MailDeliveryReason.MailboxFull)]
    [InlineData("Postfach ist voll", MailDeliveryReason.MailboxFull)]
    [InlineData("No such user here", MailDeliveryReason.AddressUnknown)]
    [InlineData("Empfänger unbekannt", MailDeliveryReason.AddressUnknown)]
    [InlineData("Name service error for name=kita.invalid", MailDeliveryReason.DomainUnknown)]
    [InlineData("Refused: listed on a block list", MailDeliveryReason.Blocked)]
    [InlineData("The account has been disabled", MailDeliveryReason.MailboxDisabled)]
    [InlineData("Konto gesperrt", MailDeliveryReason.MailboxDisabled)]
    [InlineData("Something went wrong", MailDeliveryReason.Rejected)]
    public void Reason_WithoutACodeEachFamilyOfWordsGivesItsReason(string text, MailDeliveryReason expected) =>
        Assert.Equal(expected, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Bounced, null, text));

    [Fact]
    public void Reason_WithNeitherCodeNorText_IsRejectedForABounceAndTemporaryForADelay()
    {
        Assert.Equal(MailDeliveryReason.Rejected, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Bounced, null, null));
        Assert.Equal(MailDeliveryReason.TemporaryFailure, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Deferred, null, null));
        Assert.Equal(MailDeliveryReason.TemporaryFailure, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Deferred, "4.4.1", "connection timed out"));
    }

    [Fact]
    public void Reason_TheCodeOutranksTheWords() =>
        Assert.Equal(MailDeliveryReason.MailboxFull, MailDeliveryClassifier.Reason(MailDeliveryOutcome.Bounced, "5.2.2", "user unknown"));

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz", true)]
    [InlineData("234567abcdefghijklmnopqrst", true)]
    [InlineData("abcdefghijklmnopqrstuvwxy1", false)]
    [InlineData("Abcdefghijklmnopqrstuvwxyz", false)]
    [InlineData("abcdefghijklmnopqrstuvwxy", false)]
    [InlineData("abcdefghijklmnopqrstuvwxyza", false)]
    [InlineData(null, false)]
    public void ReturnTokens_WellFormedOnlyWith26CharactersOfTheAlphabet(string? value, bool expected) =>
        Assert.Equal(expected, ReturnTokens.IsWellFormed(value));
}
