using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.Headers;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The one place that knows each error code's HTTP status and the text a parent or staff member reads:
/// what went wrong and what to do next, in English and German.
/// </summary>
public static class ErrorCatalog
{
    public sealed record Entry(string Code, int Status, string TitleEn, string DetailEn, string TitleDe, string DetailDe);

    private static readonly FrozenDictionary<string, Entry> s_entries = new Entry[]
    {
        new(ErrorCodes.ValidationFailed, 400,
            "Some fields are missing or malformed.",
            "Check the highlighted fields and try again.",
            "Einige Angaben fehlen oder sind ungültig.",
            "Bitte prüfen Sie die markierten Felder und versuchen Sie es erneut."),
        new(ErrorCodes.InvalidCredentials, 401,
            "Email or password is wrong.",
            "Check your email address and password. If you forgot your password, reset it with \"Forgot password\".",
            "E-Mail-Adresse oder Passwort ist falsch.",
            "Bitte prüfen Sie E-Mail-Adresse und Passwort. Falls Sie Ihr Passwort vergessen haben, setzen Sie es über \"Passwort vergessen\" zurück."),
        new(ErrorCodes.Unauthenticated, 401,
            "You are not signed in.",
            "Your session is missing or has ended. Please sign in again.",
            "Sie sind nicht angemeldet.",
            "Ihre Sitzung fehlt oder ist abgelaufen. Bitte melden Sie sich erneut an."),
        new(ErrorCodes.Forbidden, 403,
            "You may not do this.",
            "Your account does not have permission for this action.",
            "Keine Berechtigung.",
            "Ihr Konto hat für diese Aktion keine Berechtigung."),
        new(ErrorCodes.NotFound, 404,
            "Not found.",
            "The requested item does not exist or is not available to you.",
            "Nicht gefunden.",
            "Der angeforderte Eintrag existiert nicht oder ist für Sie nicht sichtbar."),
        new(ErrorCodes.AccountExists, 409,
            "An account with this email already exists.",
            "Please sign in with your email and password and add the child under \"Add child\".",
            "Für diese E-Mail-Adresse gibt es bereits ein Konto.",
            "Bitte melden Sie sich mit E-Mail-Adresse und Passwort an und fügen Sie das Kind unter \"Kind hinzufügen\" hinzu."),
        new(ErrorCodes.ChildAlreadyLinked, 409,
            "This child is already linked to your account.",
            "You already see this child in the app. Nothing else to do.",
            "Dieses Kind ist bereits mit Ihrem Konto verknüpft.",
            "Sie sehen dieses Kind bereits in der App. Es ist nichts weiter zu tun."),
        new(ErrorCodes.PreviousChildStillActive, 409,
            "The previous child record is still active.",
            "The previous facility still lists the child as attending. Add the child without replacing the old one, or ask the previous facility to mark the child as having left.",
            "Der bisherige Eintrag des Kindes ist noch aktiv.",
            "Die bisherige Einrichtung führt das Kind noch als aktiv. Fügen Sie das Kind ohne Ersetzen hinzu oder bitten Sie die bisherige Einrichtung, das Kind als abgemeldet zu markieren."),
        new(ErrorCodes.PinsAlreadyUsed, 409,
            "These PINs have already been used.",
            "The PINs work only once. Sign in with your email and password instead. If you did not use them, contact your facility.",
            "Diese PINs wurden bereits verwendet.",
            "Die PINs sind nur einmal gültig. Bitte melden Sie sich mit E-Mail-Adresse und Passwort an. Falls Sie die PINs nicht verwendet haben, wenden Sie sich an Ihre Einrichtung."),
        new(ErrorCodes.PinsExpired, 410,
            "These PINs are no longer valid.",
            "The PINs have expired or were replaced. Please ask your facility for new PINs.",
            "Diese PINs sind nicht mehr gültig.",
            "Die PINs sind abgelaufen oder wurden ersetzt. Bitte fragen Sie Ihre Einrichtung nach neuen PINs."),
        new(ErrorCodes.PinsInvalid, 422,
            "The PINs are not correct.",
            "Check PIN 1 on the letter from your facility and PIN 2 in the email you received, then try again.",
            "Die PINs sind nicht korrekt.",
            "Bitte prüfen Sie PIN 1 auf dem Brief Ihrer Einrichtung und PIN 2 in der erhaltenen E-Mail und versuchen Sie es erneut."),
        new(ErrorCodes.EmailMismatch, 422,
            "This email address does not match the one the facility entered.",
            "Use exactly the email address your facility has on file (see the hint). If it is misspelled there, ask the facility to correct it.",
            "Diese E-Mail-Adresse stimmt nicht mit der bei der Einrichtung hinterlegten überein.",
            "Verwenden Sie genau die E-Mail-Adresse, die Ihre Einrichtung hinterlegt hat (siehe Hinweis). Ist sie dort falsch geschrieben, bitten Sie die Einrichtung um Korrektur."),
        new(ErrorCodes.EmailSuspect, 422,
            "This email address looks wrong.",
            "The address looks mistyped or its domain cannot receive mail (see reasons and suggestion). Check it with the parent and correct it. If it is right as entered, send it again with confirmSuspectEmail: true.",
            "Diese E-Mail-Adresse sieht falsch aus.",
            "Die Adresse scheint vertippt zu sein oder ihre Domain kann keine E-Mails empfangen (siehe reasons und suggestion). Bitte prüfen Sie sie mit den Eltern und korrigieren Sie sie. Ist sie so richtig, senden Sie sie erneut mit confirmSuspectEmail: true."),
        new(ErrorCodes.PinsLocked, 423,
            "These PINs are locked.",
            "There were too many failed attempts. Please ask your facility for new PINs.",
            "Diese PINs sind gesperrt.",
            "Es gab zu viele Fehlversuche. Bitte fragen Sie Ihre Einrichtung nach neuen PINs."),
        new(ErrorCodes.RateLimited, 429,
            "Too many requests.",
            "Please wait a moment before trying again.",
            "Zu viele Anfragen.",
            "Bitte warten Sie einen Moment, bevor Sie es erneut versuchen."),
        new(ErrorCodes.ResetTokenInvalid, 400,
            "This reset link is not valid.",
            "The link has expired or was already used. Request a new password reset email.",
            "Dieser Link ist nicht gültig.",
            "Der Link ist abgelaufen oder wurde bereits verwendet. Bitte fordern Sie eine neue E-Mail zum Zurücksetzen an."),
        new(ErrorCodes.Conflict, 409,
            "This conflicts with existing data.",
            "The item already exists or was changed at the same time. Reload and try again.",
            "Konflikt mit vorhandenen Daten.",
            "Der Eintrag existiert bereits oder wurde gleichzeitig geändert. Bitte neu laden und erneut versuchen."),
        new(ErrorCodes.MethodNotAllowed, 405,
            "Method not allowed.",
            "This address does not support the HTTP method used.",
            "Methode nicht erlaubt.",
            "Diese Adresse unterstützt die verwendete HTTP-Methode nicht."),
        new(ErrorCodes.PayloadTooLarge, 413,
            "The request is too large.",
            "Send a smaller request body.",
            "Die Anfrage ist zu groß.",
            "Bitte senden Sie einen kleineren Anfrageinhalt."),
        new(ErrorCodes.UnsupportedMediaType, 415,
            "Unsupported content type.",
            "Send the request body as JSON with the header Content-Type: application/json.",
            "Nicht unterstützter Inhaltstyp.",
            "Bitte senden Sie den Anfrageinhalt als JSON mit dem Header Content-Type: application/json."),
        new(ErrorCodes.NotAcceptable, 406,
            "Not acceptable.",
            "The requested representation is not available.",
            "Nicht akzeptabel.",
            "Die angeforderte Darstellung ist nicht verfügbar."),
        new(ErrorCodes.ServiceUnavailable, 503,
            "The service is temporarily unavailable.",
            "Please try again in a moment.",
            "Der Dienst ist vorübergehend nicht verfügbar.",
            "Bitte versuchen Sie es in einem Moment erneut."),
        new(ErrorCodes.IdempotencyKeyReused, 422,
            "This Idempotency-Key was already used for another request.",
            "Send each new request with a new Idempotency-Key; reuse a key only to retry exactly the same request.",
            "Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet.",
            "Senden Sie jede neue Anfrage mit einem neuen Idempotency-Key; verwenden Sie einen Key nur erneut, um genau dieselbe Anfrage zu wiederholen."),
        new(ErrorCodes.RequestInProgress, 409,
            "The first request with this Idempotency-Key is still running.",
            "Wait a moment, then retry with the same Idempotency-Key to get its answer.",
            "Die erste Anfrage mit diesem Idempotency-Key läuft noch.",
            "Bitte warten Sie einen Moment und wiederholen Sie die Anfrage dann mit demselben Idempotency-Key, um ihre Antwort zu erhalten."),
        new(ErrorCodes.PreconditionFailed, 412,
            "The record was changed in the meantime.",
            "Someone else changed this record since you loaded it. Reload it, check the changes and try again.",
            "Der Eintrag wurde zwischenzeitlich geändert.",
            "Jemand anderes hat diesen Eintrag geändert, seit Sie ihn geladen haben. Bitte laden Sie ihn neu, prüfen Sie die Änderungen und versuchen Sie es erneut."),
        new(ErrorCodes.InternalError, 500,
            "Something went wrong on our side.",
            "Please try again later. If the problem persists, contact support with the traceId.",
            "Bei uns ist ein Fehler aufgetreten.",
            "Bitte versuchen Sie es später erneut. Besteht das Problem weiter, wenden Sie sich mit der traceId an den Support."),
    }.ToFrozenDictionary(e => e.Code);

    public static IEnumerable<Entry> All => s_entries.Values;

    public static Entry Get(string code) =>
        s_entries.TryGetValue(code, out var entry)
            ? entry
            : throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown error code.");

    /// <summary>The code the framework's own empty error responses (unknown route, 405, ...) get.</summary>
    public static string CodeForStatus(int status) => status switch
    {
        400 => ErrorCodes.ValidationFailed,
        401 => ErrorCodes.Unauthenticated,
        403 => ErrorCodes.Forbidden,
        404 => ErrorCodes.NotFound,
        405 => ErrorCodes.MethodNotAllowed,
        406 => ErrorCodes.NotAcceptable,
        409 => ErrorCodes.Conflict,
        412 => ErrorCodes.PreconditionFailed,
        413 => ErrorCodes.PayloadTooLarge,
        415 => ErrorCodes.UnsupportedMediaType,
        429 => ErrorCodes.RateLimited,
        503 => ErrorCodes.ServiceUnavailable,
        _ => ErrorCodes.InternalError,
    };

    /// <summary>German when the client prefers it (<c>Accept-Language</c>), English otherwise.</summary>
    public static bool PrefersGerman(HttpRequest request) => AcceptLanguage.Of(request) == PreferredLanguage.German;

    /// <summary>The problem <c>type</c> URI of a code, as answered and as documented.</summary>
    public static string TypeUri(string code) => $"https://kitalink.example/problems/{code.Replace('_', '-')}";
}
