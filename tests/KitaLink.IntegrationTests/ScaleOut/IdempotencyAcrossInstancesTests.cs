using System.Net;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.IntegrationTests.Contract;
using KitaLink.IntegrationTests.Infrastructure;
using Npgsql;

namespace KitaLink.IntegrationTests.ScaleOut;

/// <summary>
/// <c>Idempotency-Key</c> with two real API processes on one database, as behind a load balancer: a retry that
/// lands on the other instance is answered from the same record. Own fixture (own processes and database), so
/// its sign-ins do not count against the per-account login limit the other scale-out tests rely on.
/// </summary>
public sealed class IdempotencyAcrossInstancesTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task RetryOnTheOtherInstance_ReplaysOrRefuses_AndAnInFlightRetryIs409()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var facility = await a.CreateFacilityAsync();

        // Replay and reuse across instances.
        var key = Guid.NewGuid().ToString();
        var first = await (await a.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild("Mia"), facility.AdminToken, key))
            .ExpectAsync(HttpStatusCode.Created);
        var retry = await b.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild("Mia"), facility.AdminToken, key);
        var replayed = await retry.ExpectAsync(HttpStatusCode.Created);
        Assert.True(retry.IsReplay());
        Assert.Equal(first.GetProperty("id").GetGuid(), replayed.GetProperty("id").GetGuid());
        await (await b.PostWithKeyAsync("/api/v1/facility/children", IdempotentRequests.NewChild("Leon"), facility.AdminToken, key))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        // In flight on A (held at the guardian's row lock), retried on B.
        var guardian = await a.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins";
        var pinsKey = Guid.NewGuid().ToString();
        var subject = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(facility.AdminToken.Split('.')[1]))
            .RootElement.GetProperty("sub").GetString();
        var recordId = IdempotencyStore.RecordId($"admin:{subject}", pinsKey);

        await using var connection = new NpgsqlConnection(instances.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM guardians WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = guardian.GuardianId });
            await lockRow.ExecuteNonQueryAsync();
        }

        var running = a.PostWithKeyAsync(path, null, facility.AdminToken, pinsKey);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await RecordExistsAsync(recordId))
        {
            Assert.True(DateTime.UtcNow < deadline, "the first request did not take its key within 60 s");
            await Task.Delay(50);
        }
        await (await b.PostWithKeyAsync(path, null, facility.AdminToken, pinsKey))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "request_in_progress");

        await transaction.RollbackAsync();
        var created = await (await running).ExpectAsync(HttpStatusCode.Created);
        var again = await b.PostWithKeyAsync(path, null, facility.AdminToken, pinsKey);
        Assert.Equal(created.GetProperty("pin1").GetString(), (await again.ExpectAsync(HttpStatusCode.Created)).GetProperty("pin1").GetString());
        Assert.True(again.IsReplay());
    }

    private async Task<bool> RecordExistsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(instances.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM idempotency_records WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
