using System.Net;
using System.Text.Json;
using KitaLink.Api.Onboarding;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Parent;
using Npgsql;
using Xunit.Abstractions;

namespace KitaLink.IntegrationTests.Onboarding;

/// <summary>
/// The overview is one SQL statement whatever the facility size (counted from Npgsql's command log), and at
/// 500 children among many facilities its plan reaches every table through an index.
/// </summary>
public sealed class OnboardingQueryPlanTests(SqlLoggingFactory factory, ITestOutputHelper output) : IClassFixture<SqlLoggingFactory>
{
    private const string Path = "/api/v1/facility/onboarding";
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Overview_IsOneStatement_ForOneGuardian_AndForForty()
    {
        var small = await _client.CreateFacilityAsync();
        await _client.CreateChildWithGuardianAsync(small, ParentApi.UniqueEmail());
        var large = await _client.CreateFacilityAsync();
        for (var i = 0; i < 20; i++)
        {
            var guardian = await _client.CreateChildWithGuardianAsync(large, ParentApi.UniqueEmail());
            await (await _client.PostJsonAsync($"/api/v1/facility/children/{guardian.ChildId}/guardians",
                new { name = "Tom Schneider", relationship = "Vater", email = ParentApi.UniqueEmail() }, large.AdminToken)).ExpectAsync(HttpStatusCode.Created);
            if (i % 2 == 0)
            {
                await (await _client.PostJsonAsync(Pins.PinTestSupport.PinsPath(guardian), null, large.AdminToken)).ExpectAsync(HttpStatusCode.Created);
            }
        }

        var smallStatements = await StatementsOfAsync(small);
        var largeStatements = await StatementsOfAsync(large);

        // Besides the central token-version check every staff request makes, exactly one statement.
        Assert.Single(smallStatements, s => !IsTokenCheck(s));
        Assert.Single(largeStatements, s => !IsTokenCheck(s));
        Assert.Equal(smallStatements.Count, largeStatements.Count);
        Assert.Contains("FROM guardians", largeStatements.Single(s => !IsTokenCheck(s)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryPlan_At500Children_UsesIndexesOnEveryTable()
    {
        var facilityId = await SeedAsync(facilities: 40, childrenPerFacility: 100, targetChildren: 500);

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE", connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + OnboardingReader.Sql, connection);
        OnboardingReader.AddParameters(explain, facilityId, DateTimeOffset.UtcNow, null,
            OnboardingStates.NeedingAction.Select(OnboardingStates.Word).ToArray(), 51, null);
        var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!).RootElement[0];
        var nodes = Nodes(plan.GetProperty("Plan")).ToList();
        output.WriteLine($"Execution time at 500 children: {plan.GetProperty("Execution Time").GetDouble():F1} ms");
        foreach (var node in nodes.Where(n => n.TryGetProperty("Relation Name", out _)))
        {
            output.WriteLine($"{node.GetProperty("Node Type").GetString()} on {node.GetProperty("Relation Name").GetString()}"
                + (node.TryGetProperty("Index Name", out var index) ? $" using {index.GetString()}" : ""));
        }

        var scanned = nodes.Where(n => n.TryGetProperty("Relation Name", out _)).ToList();
        Assert.DoesNotContain(scanned, n => n.GetProperty("Node Type").GetString() == "Seq Scan");
        foreach (var table in new[] { "guardians", "children", "pin_pairs", "outbox_messages", "wrong_email_attempts" })
        {
            Assert.Contains(scanned, n => n.GetProperty("Relation Name").GetString() == table);
        }
    }

    private static IEnumerable<JsonElement> Nodes(JsonElement node)
    {
        yield return node;
        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray().SelectMany(Nodes))
            {
                yield return child;
            }
        }
    }

    /// <summary>
    /// Many facilities of <paramref name="childrenPerFacility"/> children and one of <paramref name="targetChildren"/>,
    /// two guardians per child, most with a PIN pair and its mail, some with wrong-email attempts. Returns the target facility.
    /// </summary>
    private async Task<Guid> SeedAsync(int facilities, int childrenPerFacility, int targetChildren)
    {
        var target = Guid.NewGuid();
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        var sql = """
            CREATE TEMP TABLE seed_facilities AS
                SELECT CASE WHEN f = 0 THEN @target ELSE gen_random_uuid() END AS id, f,
                       CASE WHEN f = 0 THEN @target_children ELSE @children END AS children
                FROM generate_series(0, @facilities) AS f;
            INSERT INTO facilities (id, name, created_at) SELECT id, 'Plan Kita ' || id, now() FROM seed_facilities;
            CREATE TEMP TABLE seed_children AS
                SELECT gen_random_uuid() AS id, sf.id AS facility_id, c
                FROM seed_facilities AS sf, generate_series(1, sf.children) AS c;
            INSERT INTO children (id, facility_id, first_name, last_name, date_of_birth, "group", status, created_at, updated_at)
                SELECT id, facility_id, 'Kind' || c, 'Familie' || (c % 97), DATE '2022-01-01', 'Gruppe ' || (c % 5), 'active', now(), now()
                FROM seed_children;
            CREATE TEMP TABLE seed_guardians AS
                SELECT gen_random_uuid() AS id, sc.facility_id, sc.id AS child_id, sc.c, g
                FROM seed_children AS sc, generate_series(1, 2) AS g;
            INSERT INTO guardians (id, facility_id, child_id, name, relationship, email, created_at, updated_at, email_check_result, email_check_mail_server)
                SELECT id, facility_id, child_id, 'Elternteil', 'Mutter', 'eltern' || c || '.' || g || '@example.org', now(), now(),
                       CASE WHEN c % 50 = 0 THEN 'suspect_confirmed' ELSE 'passed' END, 'mx'
                FROM seed_guardians;
            CREATE TEMP TABLE seed_messages AS
                SELECT gen_random_uuid() AS id, sg.id AS guardian_id, sg.facility_id, sg.child_id, sg.c, sg.g
                FROM seed_guardians AS sg WHERE (sg.c + sg.g) % 4 <> 0;
            INSERT INTO outbox_messages (id, kind, recipient, subject, status, attempts, created_at, next_attempt_at, facility_id, child_id, guardian_id)
                SELECT id, 'pin2', 'eltern@example.org', 'PIN 2',
                       CASE WHEN c % 31 = 0 THEN 'failed' WHEN c % 7 = 0 THEN 'queued' ELSE 'sent' END, 1, now(), now(), facility_id, child_id, guardian_id
                FROM seed_messages;
            INSERT INTO pin_pairs (id, facility_id, child_id, guardian_id, guardian_email, pin1protected, pin1lookup, pin2hash, state,
                                   failed_attempts, created_by_staff_id, created_at, expires_at, pin2issued_at, pin2message_id)
                SELECT gen_random_uuid(), facility_id, child_id, guardian_id, 'eltern@example.org', 'x', decode(md5(id::text), 'hex'), '\x00',
                       CASE WHEN c % 3 = 0 THEN 'redeemed' WHEN c % 29 = 0 THEN 'locked' ELSE 'pending' END,
                       CASE WHEN c % 13 = 0 THEN 1 ELSE 0 END, gen_random_uuid(), now(),
                       CASE WHEN c % 11 = 0 THEN now() - interval '1 day' ELSE now() + interval '10 days' END, now(), id
                FROM seed_messages;
            INSERT INTO wrong_email_attempts (id, pin_pair_id, masked_email, attempted_at)
                SELECT gen_random_uuid(), p.id, 'el***@example.org', now() FROM pin_pairs AS p WHERE p.failed_attempts > 0;
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("target", target);
        command.Parameters.AddWithValue("target_children", targetChildren);
        command.Parameters.AddWithValue("children", childrenPerFacility);
        command.Parameters.AddWithValue("facilities", facilities);
        await command.ExecuteNonQueryAsync();
        return target;
    }

    private async Task<List<string>> StatementsOfAsync(TestFacility facility)
    {
        var marker = factory.Logs.Lines.Count;
        await (await _client.GetAsync(Path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        return factory.Logs.Lines.Skip(marker)
            .Where(l => l.StartsWith("Debug Npgsql.Command: Executing", StringComparison.Ordinal)
                && l.Contains($"RequestPath:{Path} ", StringComparison.Ordinal))
            .ToList();
    }

    private static bool IsTokenCheck(string statement) => statement.Contains("SELECT token_version FROM staff_members", StringComparison.Ordinal);
}
