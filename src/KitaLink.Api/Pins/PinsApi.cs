using System.Security.Claims;
using KitaLink.Api.Audit;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary>
/// A new PIN pair: PIN 1 for the letter (and for reading out on the phone), the letter's address, and
/// the delivery of the PIN 2 email, which staff never see.
/// </summary>
public sealed record PinsCreatedResponse(Guid PinPairId, string Pin1, DateTimeOffset ExpiresAt, string LetterUrl, Pin2DeliveryView Pin2Delivery);

/// <summary>A new PIN 2 is on its way; PIN 1, the letter and the expiry are unchanged.</summary>
public sealed record Pin2ReissuedResponse(Guid PinPairId, DateTimeOffset ExpiresAt, Pin2DeliveryView Pin2Delivery);

/// <summary>The PIN process on the staff side: create, print, resend PIN 2, revoke.</summary>
public static class PinsApi
{
    public static IEndpointRouteBuilder MapPins(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/children/{childId:guid}/guardians/{guardianId:guid}/pins")
            .WithTag("PINs", "Staff side of the PIN process: create a pair (PIN 1 returned, PIN 2 emailed), print the letter, send a new PIN 2, revoke.")
            .RequireAuthorization(Policies.Staff);

        group.MapPost("/", CreateAsync)
            .WithName("createPins")
            .WithSummary("Create PINs for a guardian")
            .WithDescription("Makes a new PIN pair and revokes the guardian's previous pending pair. PIN 1 is returned (print it with the letter, or read it out); PIN 2 is emailed to the guardian's address in the same transaction and is never shown to staff. The pair's validity is configured per deployment; `expiresAt` in the answer is the expiry.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict)
            .FindsGuardianInScope()
            .AnswersConflictOnConcurrentChange()
            .WithIdempotency();
        group.MapGet("/letter", GetLetterAsync)
            .WithName("getPinLetter")
            .WithSummary("Download the PIN 1 letter")
            .WithDescription("The A4 PDF letter of the guardian's pending pair: facility with its contact details, child, guardian, PIN 1 with a QR code of the registration link (PIN 1 only, never PIN 2), expiry, the email address PIN 2 was sent to, the steps in the app, and room for a stamp or signature. In the guardian's preferred language with German beside it, German alone without one; `lang` (`de`, `en`, `tr`, `uk`, `ru`, `pl`) chooses another, and without either `Accept-Language: en` gives English. 404 when no pair is pending.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/pdf")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.ValidationFailed)
            .FindsGuardianInScope();
        group.MapPost("/pin2", ReissuePin2Async)
            .WithName("reissuePin2")
            .WithSummary("Send a new PIN 2")
            .WithDescription("Emails a new PIN 2 for the pending pair (e.g. the first email was lost); the old PIN 2 stops working, PIN 1 and the printed letter stay valid. Limited per guardian per hour (429 with Retry-After). 404 when no pair is pending.")
            .WithRateLimits(RateLimitRules.PerAddress(RateLimitRules.Names.Pin2ResendPerAddress))
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.RateLimited, ErrorCodes.Conflict)
            .FindsGuardianInScope()
            .AnswersConflictOnConcurrentChange()
            .WithIdempotency();
        group.MapDelete("/", RevokeAsync)
            .WithName("revokePins")
            .WithSummary("Revoke the pending PINs")
            .WithDescription("Revokes the guardian's pending pair, e.g. when the letter was lost. 404 when no pair is pending.")
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.Conflict)
            .FindsGuardianInScope()
            .AnswersConflictOnConcurrentChange();
        return app.MapPinBatches();
    }

    public static async Task<Results<Created<PinsCreatedResponse>, ApiProblem>> CreateAsync(
        [AsParameters] GuardianRoute route,
        ClaimsPrincipal user,
        PinIssuance issuance,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        var issued = await issuance.IssueAsync(guardian, user.UserId(), cancellationToken);
        var letterUrl = LetterUrl(guardian);
        return TypedResults.Created(letterUrl, new PinsCreatedResponse(
            issued.Pair.Id, issued.Pin1Formatted, issued.Pair.ExpiresAt, letterUrl, Pin2DeliveryView.From(issued.Pin2Message)));
    }

    public static async Task<Results<FileContentHttpResult, ApiProblem>> GetLetterAsync(
        [AsParameters] GuardianRoute route,
        [FromQuery(Name = "lang")] string? lang,
        HttpRequest httpRequest,
        KitaLinkDbContext db,
        PinIssuance issuance,
        PinProtector protector,
        PinLetterRenderer renderer,
        IOptions<RegistrationLinkOptions> link,
        AuditTrail audit,
        CancellationToken cancellationToken)
    {
        if (lang is not null && !FamilyLanguages.IsSupported(lang))
        {
            return ApiProblem.Validation("lang", LangMessage);
        }
        var guardian = route.Guardian;
        var pair = await issuance.FindPendingAsync(guardian, cancellationToken);
        if (pair is null)
        {
            return ApiProblem.NotFound();
        }

        var child = guardian.Child!;
        var language = LetterLanguageOf(lang, guardian.PreferredLanguage, httpRequest);
        var pdf = await renderer.RenderAsync(PinLetters.Model(
            child.Facility!,
            $"{child.FirstName} {child.LastName}",
            guardian.Name,
            pair,
            // Pending pairs keep their secrets; only ended pairs are wiped.
            PinCodes.Format(protector.UnprotectPin1(pair.Pin1Protected!)),
            link.Value,
            language), cancellationToken);

        audit.Record(AuditActions.PinsLetterDownloaded, e =>
        {
            e.FacilityId = guardian.FacilityId;
            e.ChildId = guardian.ChildId;
            e.GuardianId = guardian.Id;
            e.PinPairId = pair.Id;
        }, new Dictionary<string, string> { ["language"] = language });
        await db.SaveChangesAsync(cancellationToken);

        var fileName = language == FamilyLanguages.German ? "pin-brief.pdf" : $"pin-brief-{language}.pdf";
        return TypedResults.File(pdf, "application/pdf", fileName);
    }

    public static async Task<Results<Ok<Pin2ReissuedResponse>, ApiProblem>> ReissuePin2Async(
        [AsParameters] GuardianRoute route,
        PinIssuance issuance,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        var outcome = await issuance.ReissuePin2Async(guardian, cancellationToken);
        return outcome switch
        {
            Pin2Reissue.Reissued r => TypedResults.Ok(new Pin2ReissuedResponse(r.Pair.Id, r.Pair.ExpiresAt, Pin2DeliveryView.From(r.Pin2Message))),
            Pin2Reissue.RateLimited limited => ApiProblem.RateLimited((int)Math.Ceiling(limited.RetryAfter.TotalSeconds)),
            _ => ApiProblem.NotFound(),
        };
    }

    public static async Task<Results<NoContent, ApiProblem>> RevokeAsync(
        [AsParameters] GuardianRoute route,
        PinIssuance issuance,
        CancellationToken cancellationToken)
    {
        var guardian = route.Guardian;
        return await issuance.RevokeAsync(guardian, cancellationToken) ? TypedResults.NoContent() : ApiProblem.NotFound();
    }

    private static string LetterUrl(Guardian guardian) =>
        $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.Id}/pins/letter";

    internal const string LangMessage = "Use one of de, en, tr, uk, ru, pl.";

    /// <summary>
    /// <c>lang</c> wins; then the guardian's preferred language; otherwise English when <c>Accept-Language</c>
    /// prefers it to German; otherwise German, the language of the facilities' parents. German is printed
    /// beside any other language.
    /// </summary>
    internal static string LetterLanguageOf(string? lang, string? preferred, HttpRequest request)
    {
        if (lang is not null)
        {
            return lang.Trim().ToLowerInvariant();
        }
        if (preferred is not null)
        {
            return preferred;
        }
        return AcceptLanguage.Of(request) == PreferredLanguage.English ? FamilyLanguages.English : FamilyLanguages.German;
    }
}
