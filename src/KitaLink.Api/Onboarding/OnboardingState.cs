namespace KitaLink.Api.Onboarding;

/// <summary>
/// Where a guardian stands in the PIN process, one state per guardian, decided in this order (the first
/// that applies): <c>linked</c> (newest pair redeemed), <c>locked</c>, <c>expired</c>, <c>mail_failed</c> (PIN 2
/// permanently undeliverable), <c>wrong_email_tried</c> (both PINs right, another email), <c>address_suspect</c>
/// (staff kept an address the check found suspect), <c>no_pins</c> (no pair, or the newest was revoked),
/// <c>mail_queued</c> (PIN 2 not yet accepted by the mail server), <c>pending</c> (PIN 2 sent, waiting for the parent).
/// </summary>
public enum OnboardingState
{
    NoPins,
    Pending,
    MailQueued,
    MailFailed,
    AddressSuspect,
    WrongEmailTried,
    Locked,
    Expired,
    Linked,
}

/// <summary>The staff action a state asks for; <see cref="None"/> while the process runs or is done.</summary>
public enum OnboardingAction
{
    None,
    CreatePins,
    CorrectAddressAndCreatePins,
    CheckAddressWithParent,
    CreatePinsAndHandOverLetter,
}

public static class OnboardingStates
{
    private static readonly Dictionary<OnboardingState, string> s_words = new()
    {
        [OnboardingState.NoPins] = "no_pins",
        [OnboardingState.Pending] = "pending",
        [OnboardingState.MailQueued] = "mail_queued",
        [OnboardingState.MailFailed] = "mail_failed",
        [OnboardingState.AddressSuspect] = "address_suspect",
        [OnboardingState.WrongEmailTried] = "wrong_email_tried",
        [OnboardingState.Locked] = "locked",
        [OnboardingState.Expired] = "expired",
        [OnboardingState.Linked] = "linked",
    };

    /// <summary>The states whose guardians are on the to-do list (the spec's "needs an action").</summary>
    public static IReadOnlyList<OnboardingState> NeedingAction { get; } =
    [
        OnboardingState.NoPins, OnboardingState.MailFailed, OnboardingState.AddressSuspect,
        OnboardingState.WrongEmailTried, OnboardingState.Locked, OnboardingState.Expired,
    ];

    public static IEnumerable<string> Words => s_words.Values;

    public static string Word(OnboardingState state) => s_words[state];

    public static OnboardingState? Parse(string word) =>
        s_words.FirstOrDefault(p => p.Value == word) is { Value: not null } pair ? pair.Key : null;

    public static OnboardingAction ActionFor(OnboardingState state) => state switch
    {
        OnboardingState.NoPins => OnboardingAction.CreatePins,
        OnboardingState.MailFailed or OnboardingState.WrongEmailTried => OnboardingAction.CorrectAddressAndCreatePins,
        OnboardingState.AddressSuspect => OnboardingAction.CheckAddressWithParent,
        OnboardingState.Locked or OnboardingState.Expired => OnboardingAction.CreatePinsAndHandOverLetter,
        _ => OnboardingAction.None,
    };

    /// <summary>The action in words for staff, English and German, specific to why it is needed.</summary>
    public static string ActionText(OnboardingState state, bool german) => (state, german) switch
    {
        (OnboardingState.NoPins, false) => "Create PINs and hand over the letter.",
        (OnboardingState.NoPins, true) => "PINs erstellen und den Brief übergeben.",
        (OnboardingState.MailFailed, false) => "PIN 2 could not be delivered: correct the address and create new PINs.",
        (OnboardingState.MailFailed, true) => "PIN 2 konnte nicht zugestellt werden: Adresse korrigieren und neue PINs erstellen.",
        (OnboardingState.WrongEmailTried, false) => "The parent registered with another address (see the masked attempts): correct the address and create new PINs.",
        (OnboardingState.WrongEmailTried, true) => "Die Eltern haben sich mit einer anderen Adresse registriert (siehe maskierte Versuche): Adresse korrigieren und neue PINs erstellen.",
        (OnboardingState.AddressSuspect, false) => "The address looked wrong when it was entered: check it with the parent; if it is wrong, correct it and create new PINs.",
        (OnboardingState.AddressSuspect, true) => "Die Adresse sah bei der Eingabe falsch aus: mit den Eltern prüfen; ist sie falsch, korrigieren und neue PINs erstellen.",
        (OnboardingState.Locked, false) => "The PINs were locked after too many failed attempts: create new PINs and hand over a new letter.",
        (OnboardingState.Locked, true) => "Die PINs wurden nach zu vielen Fehlversuchen gesperrt: neue PINs erstellen und einen neuen Brief übergeben.",
        (OnboardingState.Expired, false) => "The PINs expired unused: create new PINs and hand over a new letter.",
        (OnboardingState.Expired, true) => "Die PINs sind ungenutzt abgelaufen: neue PINs erstellen und einen neuen Brief übergeben.",
        (OnboardingState.MailQueued, false) => "Nothing to do: PIN 2 is waiting to be sent.",
        (OnboardingState.MailQueued, true) => "Nichts zu tun: PIN 2 wartet auf den Versand.",
        (OnboardingState.Pending, false) => "Nothing to do: waiting for the parent to register.",
        (OnboardingState.Pending, true) => "Nichts zu tun: warten, bis sich die Eltern registrieren.",
        (OnboardingState.Linked, false) => "Nothing to do: the parent is linked.",
        (OnboardingState.Linked, true) => "Nichts zu tun: die Eltern sind verknüpft.",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
