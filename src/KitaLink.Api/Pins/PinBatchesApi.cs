using System.IO.Pipelines;
using System.Security.Claims;
using FluentValidation;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

/// <summary>
/// PIN pairs for many guardians at once. Give exactly one selection: <c>group</c> (the active children of a
/// group), <c>childIds</c> (these children, at most 300), or <c>allWithoutAccount: true</c> (every guardian of an
/// active child without a linked parent account). <c>renewPending</c> replaces pending pairs instead of
/// skipping them. <c>requestKey</c> names the batch for good: a retry with it returns the first batch (also after the
/// 24 hours of an <c>Idempotency-Key</c>); without one, the same request over the same guardians within 24 hours
/// is recognised as a retry.
/// </summary>
public sealed record CreatePinBatchRequest(
    string? Group = null,
    IReadOnlyList<Guid>? ChildIds = null,
    bool? AllWithoutAccount = null,
    bool RenewPending = false,
    string? RequestKey = null);

/// <summary>What a batch did, per guardian in letter order (group, child, guardian).</summary>
public sealed record PinBatchResponse(
    Guid BatchId,
    DateTimeOffset CreatedAt,
    bool RenewPending,
    string? RequestKey,
    string LettersUrl,
    PinBatchCounts Counts,
    IReadOnlyList<PinBatchGuardianResult> Guardians);

public sealed record PinBatchCounts(int Created, int Skipped, int Refused);

/// <summary>
/// One guardian of a batch. <c>reason</c> for <c>skipped</c>: <c>already_linked</c>, <c>pending_pair</c>,
/// <c>child_left</c>; for <c>refused</c>: <c>address_missing</c>, <c>address_suspect</c>. <c>pinPairId</c> and
/// <c>expiresAt</c> for <c>created</c>; PIN 1 is printed on the letters, PIN 2 was emailed.
/// </summary>
public sealed record PinBatchGuardianResult(
    Guid GuardianId,
    Guid ChildId,
    string GuardianName,
    string ChildName,
    string? Group,
    PinBatchOutcome Outcome,
    string? Reason,
    Guid? PinPairId,
    DateTimeOffset? ExpiresAt);

public sealed class CreatePinBatchRequestValidator : AbstractValidator<CreatePinBatchRequest>
{
    public CreatePinBatchRequestValidator()
    {
        RuleFor(r => r)
            .Must(r => (r.Group is not null ? 1 : 0) + (r.ChildIds is not null ? 1 : 0) + (r.AllWithoutAccount is not null ? 1 : 0) == 1)
            .WithName("selection")
            .OverridePropertyName("selection")
            .WithMessage("Give exactly one of group, childIds or allWithoutAccount.");
        RuleFor(r => r.Group).OptionalLabel(Children.ChildRules.MaxGroupLength)
            .Must(g => g is null || g.Trim().Length > 0).WithMessage("Name a group.");
        RuleFor(r => r.ChildIds)
            .Must(ids => ids is null || ids.Count is > 0 and <= PinBatch.MaxGuardians)
            .WithMessage($"Give 1 to {PinBatch.MaxGuardians} child ids.");
        RuleFor(r => r.AllWithoutAccount)
            .Must(all => all is null or true)
            .WithMessage("Use true, or leave it out.");
        RuleFor(r => r.RequestKey)
            .Must(k => k is null || PinBatchesApi.IsRequestKey(k))
            .WithMessage("1 to 100 characters: letters, digits and . _ : -");
    }
}

/// <summary>The start of the Kita year: PIN pairs and letters for a whole group at once.</summary>
public static class PinBatchesApi
{
    public static IEndpointRouteBuilder MapPinBatches(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/facility/pin-batches")
            .WithTag("PIN batches", "PIN pairs and letters for a whole group at once, e.g. at the start of the Kita year.")
            .RequireAuthorization(Policies.Staff);

        group.MapPost("/", CreateAsync)
            .WithName("createPinBatch")
            .WithSummary("Create PINs for many guardians")
            .WithDescription($"Makes a PIN pair for every selected guardian who has no linked parent account and no pending pair (`renewPending: true` replaces pending pairs), and queues each PIN 2 mail, all in one transaction. Answers per guardian: `created`, `skipped` with the reason (`already_linked`, `pending_pair`, `child_left`) or `refused` (`address_missing`, `address_suspect`). At most {PinBatch.MaxGuardians} guardians; larger selections are refused with 400 and nothing is made. Safe to retry: with the same `requestKey` in the body (kept with the batch), or without one the same request over the same guardians within 24 hours, answers 200 with the first batch instead of making a second set; a `requestKey` reused for a different request is 422 `idempotency_key_reused`. The `Idempotency-Key` header works as on every create. Print the letters from `lettersUrl`.")
            .WithValidation<CreatePinBatchRequest>()
            .Produces<PinBatchResponse>(StatusCodes.Status200OK)
            .ProducesErrors(ErrorCodes.NotFound, ErrorCodes.IdempotencyKeyReused)
            .WithIdempotency();
        group.MapGet("/{batchId:guid}", GetAsync)
            .WithName("getPinBatch")
            .WithSummary("Get a PIN batch")
            .WithDescription("What the batch did, per guardian, as answered when it was made.")
            .ProducesErrors(ErrorCodes.NotFound);
        group.MapGet("/{batchId:guid}/letters", GetLettersAsync)
            .WithName("getPinBatchLetters")
            .WithSummary("Download the letters of a PIN batch")
            .WithDescription("One PDF with one A4 letter per page for every pair of the batch that is still pending, sorted by group, child and guardian. Each letter is in the guardian's preferred language with German beside it, and carries a QR code of the registration link with PIN 1 (never PIN 2). The PDF is streamed. 404 when the batch is unknown or none of its pairs is pending any more.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/pdf")
            .ProducesErrors(ErrorCodes.NotFound);
        return app;
    }

    public static async Task<Results<Created<PinBatchResponse>, Ok<PinBatchResponse>, ApiProblem>> CreateAsync(
        CreatePinBatchRequest request,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        PinBatches batches,
        CancellationToken cancellationToken)
    {
        var key = request.RequestKey;
        var selection = new PinBatchSelection(request.Group, request.ChildIds, request.AllWithoutAccount == true);
        var result = await batches.CreateAsync(user.FacilityId(), user.UserId(), selection, request.RenewPending, key, cancellationToken);
        switch (result)
        {
            case PinBatchResult.Done { Replayed: false } done:
                var response = await LoadAsync(db, done.Batch, cancellationToken);
                return TypedResults.Created(BatchUrl(done.Batch.Id), response);
            case PinBatchResult.Done replayed:
                return TypedResults.Ok(await LoadAsync(db, replayed.Batch, cancellationToken));
            case PinBatchResult.TooLarge:
                return ApiProblem.Validation("selection", $"The selection covers more than {PinBatch.MaxGuardians} guardians; choose a group or fewer children.");
            case PinBatchResult.KeyReused:
                return ApiProblem.Of(ErrorCodes.IdempotencyKeyReused);
            default:
                return ApiProblem.NotFound();
        }
    }

    public static async Task<Results<Ok<PinBatchResponse>, ApiProblem>> GetAsync(
        Guid batchId, ClaimsPrincipal user, KitaLinkDbContext db, CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var batch = await db.PinBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId && b.FacilityId == facilityId, cancellationToken);
        return batch is null ? ApiProblem.NotFound() : TypedResults.Ok(await LoadAsync(db, batch, cancellationToken));
    }

    public static async Task<Results<PushStreamHttpResult, ApiProblem>> GetLettersAsync(
        Guid batchId,
        ClaimsPrincipal user,
        KitaLinkDbContext db,
        PinProtector protector,
        PinLetterRenderer renderer,
        IOptions<RegistrationLinkOptions> link,
        AuditTrail audit,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var facilityId = user.FacilityId();
        var batch = await db.PinBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batchId && b.FacilityId == facilityId, cancellationToken);
        if (batch is null)
        {
            return ApiProblem.NotFound();
        }
        var now = time.GetUtcNow();
        var rows = await (
            from e in db.Set<PinBatchEntry>()
            where e.BatchId == batch.Id && e.Outcome == PinBatchOutcome.Created
            join p in db.PinPairs on e.PinPairId equals p.Id
            where p.FacilityId == facilityId && p.State == PinPairState.Pending && p.ExpiresAt > now
            join g in db.Guardians on p.GuardianId equals g.Id
            join c in db.Children on g.ChildId equals c.Id
            orderby e.Position
            select new { Pair = p, GuardianName = g.Name, g.PreferredLanguage, c.FirstName, c.LastName })
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return ApiProblem.NotFound();
        }
        var facility = await db.Facilities.AsNoTracking().SingleAsync(f => f.Id == facilityId, cancellationToken);

        foreach (var row in rows)
        {
            audit.RecordPairEvent(AuditActions.PinsLetterDownloaded, row.Pair, new Dictionary<string, string>
            {
                ["language"] = row.PreferredLanguage ?? FamilyLanguages.German,
                ["batchId"] = batch.Id.ToString(),
            });
        }
        audit.Record(AuditActions.PinBatchLettersDownloaded, e => e.FacilityId = facilityId, new Dictionary<string, string>
        {
            ["batchId"] = batch.Id.ToString(),
            ["letters"] = rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(cancellationToken);

        // The models are built lazily, page by page: PIN 1 is decrypted only when its page is drawn.
        var letters = rows.Select(row =>
        {
            // Only pending, unexpired pairs are selected: the retention job wipes secrets of ended pairs only.
            var pin1 = PinCodes.Format(protector.UnprotectPin1(row.Pair.Pin1Protected!));
            return PinLetters.Model(facility, $"{row.FirstName} {row.LastName}", row.GuardianName, row.Pair, pin1, link.Value, row.PreferredLanguage);
        });
        return TypedResults.Stream(async body =>
        {
            // PDFsharp writes synchronously and asks for the position it has written; a pipe hands its bytes to the
            // response as they are produced, while the document is saved on a worker thread.
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 64 * 1024));
            var render = Task.Run(async () =>
            {
                try
                {
                    await using var output = new PositionCountingStream(pipe.Writer.AsStream(leaveOpen: true));
                    await renderer.RenderBatchAsync(letters, output, cancellationToken);
                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception ex)
                {
                    await pipe.Writer.CompleteAsync(ex);
                }
            }, cancellationToken);
            await pipe.Reader.CopyToAsync(body, cancellationToken);
            await pipe.Reader.CompleteAsync();
            await render;
        }, "application/pdf", $"pin-briefe-{batch.CreatedAt:yyyy-MM-dd}.pdf");
    }

    internal static bool IsRequestKey(string key) =>
        key.Length is > 0 and <= 100 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    private static string BatchUrl(Guid batchId) => $"/api/v1/facility/pin-batches/{batchId}";

    private static async Task<PinBatchResponse> LoadAsync(KitaLinkDbContext db, PinBatch batch, CancellationToken cancellationToken)
    {
        var rows = await (
            from e in db.Set<PinBatchEntry>().AsNoTracking()
            where e.BatchId == batch.Id
            join g in db.Guardians on e.GuardianId equals g.Id
            join c in db.Children on e.ChildId equals c.Id
            join p in db.PinPairs on e.PinPairId equals p.Id into pairs
            from p in pairs.DefaultIfEmpty()
            orderby e.Position
            select new PinBatchGuardianResult(e.GuardianId, e.ChildId, g.Name, c.FirstName + " " + c.LastName, c.Group, e.Outcome, e.Reason,
                e.PinPairId, p == null ? null : p.ExpiresAt))
            .ToListAsync(cancellationToken);
        return new PinBatchResponse(
            batch.Id,
            batch.CreatedAt,
            batch.RenewPending,
            batch.RequestKey,
            BatchUrl(batch.Id) + "/letters",
            new PinBatchCounts(
                rows.Count(r => r.Outcome == PinBatchOutcome.Created),
                rows.Count(r => r.Outcome == PinBatchOutcome.Skipped),
                rows.Count(r => r.Outcome == PinBatchOutcome.Refused)),
            rows);
    }
}

/// <summary>
/// A write-only stream that knows how many bytes went through it: PDFsharp records object offsets from
/// <see cref="Position"/>, which a response or pipe stream cannot tell.
/// </summary>
internal sealed class PositionCountingStream(Stream inner) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        _written += count;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
