using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.Api.Pins;

/// <summary>A text for staff in German and English.</summary>
public sealed record StaffText(string De, string En);

/// <summary>What a PIN 2 delivery state means for staff and what they should do next.</summary>
public sealed record Pin2DeliveryGuidance(StaffText Explanation, StaffText NextAction);

/// <summary>
/// The help desk's words for each PIN 2 delivery state and, for a deferral or bounce, its reason: a short
/// explanation and the next action. One table, so the API, its examples and the tests read the same words.
/// </summary>
public static class Pin2DeliveryGuidanceTable
{
    public static Pin2DeliveryGuidance For(OutboxMessageStatus status, MailDeliveryReason? reason) => (status, reason) switch
    {
        (OutboxMessageStatus.Queued, _) => new(
            new("PIN 2 wartet auf den Versand.", "PIN 2 is waiting to be sent."),
            new("Nichts zu tun; bei längeren Störungen versucht KitaLink es weiter.", "Nothing to do; KitaLink keeps trying through outages.")),
        (OutboxMessageStatus.Sent, _) => new(
            new("PIN 2 wurde vom Mailserver angenommen; eine Rückmeldung des Empfängers liegt nicht vor.", "PIN 2 was accepted by the mail server; the recipient's side has not reported back."),
            new("Die Eltern bitten, auch im Spam-Ordner nachzusehen.", "Ask the parents to look in their spam folder too.")),
        (OutboxMessageStatus.Delivered, _) => new(
            new("PIN 2 wurde in das Postfach der Eltern zugestellt.", "PIN 2 was delivered into the parents' mailbox."),
            new("Die Eltern bitten, im Posteingang und im Spam-Ordner nachzusehen.", "Ask the parents to look in their inbox and spam folder.")),
        (OutboxMessageStatus.Failed, _) => new(
            new("Unser Mailserver konnte PIN 2 nicht versenden.", "Our mail server could not send PIN 2."),
            new("Adresse prüfen und korrigieren, dann neue PINs erstellen.", "Check and correct the address, then create new PINs.")),
        (OutboxMessageStatus.Deferred, MailDeliveryReason.MailboxFull) => new(
            new("Postfach voll: die Zustellung wird noch versucht.", "Mailbox full: delivery is still being retried."),
            new("Die Eltern bitten, Platz zu schaffen; kommt die Mail nicht, PIN 2 erneut senden.", "Ask the parents to make room; if the mail does not arrive, send PIN 2 again.")),
        (OutboxMessageStatus.Deferred, _) => new(
            new("Zustellung verzögert: der Mailserver der Eltern nimmt vorübergehend nichts an, es wird weiter versucht.", "Delivery delayed: the parents' mail server does not accept mail for now; delivery is being retried."),
            new("Abwarten; kommt bis morgen nichts an, Adresse mit den Eltern prüfen und PIN 2 erneut senden.", "Wait; if nothing arrives by tomorrow, check the address with the parents and send PIN 2 again.")),
        (OutboxMessageStatus.Bounced, MailDeliveryReason.MailboxFull) => new(
            new("Postfach voll: die Mail kam zurück.", "Mailbox full: the mail bounced."),
            new("Postfach voll: die Eltern bitten, Platz zu schaffen, dann PIN 2 erneut senden.", "Mailbox full: ask the parents to make room, then send PIN 2 again.")),
        (OutboxMessageStatus.Bounced, MailDeliveryReason.AddressUnknown) => new(
            new("Adresse existiert nicht: die Mail kam zurück.", "Address does not exist: the mail bounced."),
            new("Adresse existiert nicht: Adresse prüfen und korrigieren, dann neue PINs.", "Address does not exist: check and correct the address, then create new PINs.")),
        (OutboxMessageStatus.Bounced, MailDeliveryReason.DomainUnknown) => new(
            new("Die Domain der Adresse (nach dem @) empfängt keine Mail: die Mail kam zurück.", "The address's domain (after the @) receives no mail: the mail bounced."),
            new("Schreibweise nach dem @ mit den Eltern prüfen und korrigieren, dann neue PINs.", "Check the part after the @ with the parents and correct it, then create new PINs.")),
        (OutboxMessageStatus.Bounced, MailDeliveryReason.MailboxDisabled) => new(
            new("Das Postfach ist gesperrt oder stillgelegt: die Mail kam zurück.", "The mailbox is disabled: the mail bounced."),
            new("Die Eltern nach einer anderen Adresse fragen, Adresse ändern, dann neue PINs.", "Ask the parents for another address, change it, then create new PINs.")),
        (OutboxMessageStatus.Bounced, MailDeliveryReason.Blocked) => new(
            new("Der Mailserver der Eltern hat die Mail abgelehnt (Spam-Filter oder Sperrliste).", "The parents' mail server refused the mail (spam filter or block list)."),
            new("Die Eltern bitten, den Absender freizugeben oder eine andere Adresse zu nennen, dann PIN 2 erneut senden; hält es an, den Betrieb informieren.", "Ask the parents to allow the sender or give another address, then send PIN 2 again; if it persists, tell the operator.")),
        (OutboxMessageStatus.Bounced, _) => new(
            new("Die Mail kam zurück (siehe Grund des Servers).", "The mail bounced (see the server's reason)."),
            new("Adresse mit den Eltern prüfen und korrigieren, dann neue PINs.", "Check the address with the parents and correct it, then create new PINs.")),
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
