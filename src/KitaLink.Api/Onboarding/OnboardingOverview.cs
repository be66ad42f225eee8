using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace KitaLink.Api.Onboarding;

/// <summary>Guardians per state among the active children of the facility (after the group filter, before the state filter).</summary>
public sealed record OnboardingCounts(
    int NoPins,
    int Pending,
    int MailQueued,
    int MailFailed,
    int AddressSuspect,
    int WrongEmailTried,
    int Locked,
    int Expired,
    int Linked);

/// <summary>
/// One guardian on the list: the child, the guardian and the email on file, the state, and what staff
/// should do (<c>action</c> as a stable word, <c>actionText</c> in the caller's language).
/// <c>wrongEmailAttempts</c> counts registrations with both PINs right and another email (details in the guardian view).
/// </summary>
public sealed record OnboardingItem(
    Guid ChildId,
    string ChildFirstName,
    string ChildLastName,
    string? Group,
    Guid GuardianId,
    string GuardianName,
    string Email,
    OnboardingState State,
    OnboardingAction Action,
    string ActionText,
    int WrongEmailAttempts);

/// <summary>
/// The onboarding overview: counts per state and, by default, the guardians that need an action (with
/// <c>state</c>: the guardians in that state), ordered by child name. Page with <c>nextCursor</c>.
/// </summary>
public sealed record OnboardingOverview(OnboardingCounts Counts, int Total, IReadOnlyList<OnboardingItem> Items, string? NextCursor);

/// <summary>Reads the overview in one SQL statement whatever the facility size (counts, list and paging together).</summary>
public static class OnboardingReader
{
    /// <summary>
    /// The state of each guardian comes from the newest pair (index <c>ix_pin_pairs_guardian_newest</c>), its PIN 2
    /// message, its wrong-email attempts and the stored address check; the order of the CASE is the precedence of
    /// <see cref="OnboardingState"/>. Parameters: facility, now, group, the state filter (or the to-do states),
    /// the cursor and the page size plus one (to know whether there is a next page).
    /// </summary>
    internal const string Sql = """
        WITH g AS (
            SELECT gu.id AS guardian_id, gu.name AS guardian_name, gu.email, c.id AS child_id,
                   c.first_name AS child_first_name, c.last_name AS child_last_name, c."group",
                   coalesce(a.attempts, 0) AS wrong_email_attempts,
                   CASE
                       WHEN p.state = 'redeemed' THEN 'linked'
                       WHEN p.state = 'locked' THEN 'locked'
                       WHEN p.state = 'pending' AND p.expires_at <= @now THEN 'expired'
                       WHEN p.state = 'pending' AND m.status = 'failed' THEN 'mail_failed'
                       WHEN p.state = 'pending' AND a.attempts > 0 THEN 'wrong_email_tried'
                       WHEN gu.email_check_result = 'suspect_confirmed' THEN 'address_suspect'
                       WHEN p.id IS NULL OR p.state = 'revoked' THEN 'no_pins'
                       WHEN m.status = 'queued' THEN 'mail_queued'
                       ELSE 'pending'
                   END AS state
            FROM guardians AS gu
            JOIN children AS c ON c.id = gu.child_id
            LEFT JOIN LATERAL (
                SELECT pp.id, pp.state, pp.expires_at, pp.pin2message_id
                FROM pin_pairs AS pp
                WHERE pp.guardian_id = gu.id
                ORDER BY pp.created_at DESC, pp.id DESC
                LIMIT 1) AS p ON TRUE
            LEFT JOIN outbox_messages AS m ON m.id = p.pin2message_id
            LEFT JOIN LATERAL (
                SELECT count(*)::int AS attempts FROM wrong_email_attempts AS w WHERE w.pin_pair_id = p.id) AS a ON TRUE
            WHERE gu.facility_id = @facility AND c.facility_id = @facility AND c.status = 'active'
              AND (@group IS NULL OR c."group" = @group)
        )
        SELECT
            (SELECT coalesce(json_object_agg(s.state, s.n), '{}'::json)
             FROM (SELECT state, count(*)::int AS n FROM g GROUP BY state) AS s) AS counts,
            (SELECT coalesce(json_agg(row_to_json(i) ORDER BY i.child_last_name, i.child_first_name, i.child_id, i.guardian_id), '[]'::json)
             FROM (SELECT * FROM g
                   WHERE g.state = ANY(@states)
                     AND (@after_child IS NULL
                          OR (g.child_last_name, g.child_first_name, g.child_id, g.guardian_id) > (@after_last, @after_first, @after_child, @after_guardian))
                   ORDER BY g.child_last_name, g.child_first_name, g.child_id, g.guardian_id
                   LIMIT @take) AS i) AS items
        """;

    private static readonly JsonSerializerOptions s_rows = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Row(
        Guid GuardianId, string GuardianName, string Email, Guid ChildId, string ChildFirstName, string ChildLastName,
        string? Group, int WrongEmailAttempts, string State);

    public static async Task<OnboardingOverview> ReadAsync(
        KitaLinkDbContext db, Guid facilityId, DateTimeOffset now, string? group, OnboardingState? state, int limit,
        OnboardingCursor? after, bool german, CancellationToken cancellationToken)
    {
        var states = state is { } only ? [OnboardingStates.Word(only)] : OnboardingStates.NeedingAction.Select(OnboardingStates.Word).ToArray();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(cancellationToken);
        }
        try
        {
            await using var command = new NpgsqlCommand(Sql, connection);
            AddParameters(command, facilityId, now, group, states, limit + 1, after);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var counts = JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(0))!;
            var rows = JsonSerializer.Deserialize<List<Row>>(reader.GetString(1), s_rows)!;

            var page = rows.Take(limit).Select(r =>
            {
                var rowState = OnboardingStates.Parse(r.State)!.Value;
                return new OnboardingItem(r.ChildId, r.ChildFirstName, r.ChildLastName, r.Group, r.GuardianId, r.GuardianName, r.Email,
                    rowState, OnboardingStates.ActionFor(rowState), OnboardingStates.ActionText(rowState, german), r.WrongEmailAttempts);
            }).ToList();
            var next = rows.Count > limit
                ? new OnboardingCursor(page[^1].ChildLastName, page[^1].ChildFirstName, page[^1].ChildId, page[^1].GuardianId).Encode()
                : null;
            int Count(OnboardingState s) => counts.GetValueOrDefault(OnboardingStates.Word(s));
            var summary = new OnboardingCounts(
                Count(OnboardingState.NoPins), Count(OnboardingState.Pending), Count(OnboardingState.MailQueued),
                Count(OnboardingState.MailFailed), Count(OnboardingState.AddressSuspect), Count(OnboardingState.WrongEmailTried),
                Count(OnboardingState.Locked), Count(OnboardingState.Expired), Count(OnboardingState.Linked));
            return new OnboardingOverview(summary, counts.Values.Sum(), page, next);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    internal static void AddParameters(
        NpgsqlCommand command, Guid facilityId, DateTimeOffset now, string? group, string[] states, int take, OnboardingCursor? after)
    {
        command.Parameters.Add(new NpgsqlParameter("facility", NpgsqlDbType.Uuid) { Value = facilityId });
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter("group", NpgsqlDbType.Varchar) { Value = (object?)group ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = states });
        command.Parameters.Add(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = take });
        command.Parameters.Add(new NpgsqlParameter("after_last", NpgsqlDbType.Varchar) { Value = (object?)after?.LastName ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_first", NpgsqlDbType.Varchar) { Value = (object?)after?.FirstName ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_child", NpgsqlDbType.Uuid) { Value = (object?)after?.ChildId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after_guardian", NpgsqlDbType.Uuid) { Value = (object?)after?.GuardianId ?? DBNull.Value });
    }
}
