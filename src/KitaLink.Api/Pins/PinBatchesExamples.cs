using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Pins;

/// <summary>OpenAPI examples of PIN batches.</summary>
internal sealed class PinBatchesExamples : IOpenApiExamples
{
    private static readonly Guid BatchId = Guid.Parse("0193a5f7-1a2b-7c3d-8e4f-5a6b7c8d9e0f");

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Requests[typeof(CreatePinBatchRequest)] = new CreatePinBatchRequest(Group: "Marienkäfer", RequestKey: "kita-year-2026-marienkaefer");
        examples.InvalidRequests[typeof(CreatePinBatchRequest)] = new CreatePinBatchRequest(Group: "Marienkäfer", AllWithoutAccount: true);
        examples.ValidationErrorsByOperation["createPinBatch"] = new() { ["selection"] = ["Give exactly one of group, childIds or allWithoutAccount."] };
        var response = new PinBatchResponse(
            BatchId,
            PinsCreated,
            false,
            "kita-year-2026-marienkaefer",
            $"/api/v1/facility/pin-batches/{BatchId}/letters",
            new PinBatchCounts(1, 1, 1),
            [
                new PinBatchGuardianResult(GuardianId, ChildId, "Julia Schneider", "Mia Schneider", "Marienkäfer",
                    PinBatchOutcome.Created, null, PinPairId, PinsExpire),
                new PinBatchGuardianResult(Guid.Parse("0193a5f3-4e5f-7061-b273-8d9e0f1a2b3c"), ChildId, "Thomas Schneider", "Mia Schneider", "Marienkäfer",
                    PinBatchOutcome.Skipped, PinBatchReasons.AlreadyLinked, null, null),
                new PinBatchGuardianResult(Guid.Parse("0193a5f3-5f60-7172-c384-9e0f1a2b3c4d"), SiblingId, "Oksana Kovalenko", "Taras Kovalenko", "Marienkäfer",
                    PinBatchOutcome.Refused, PinBatchReasons.AddressSuspect, null, null),
            ]);
        examples.Responses[typeof(PinBatchResponse)] = response;
        examples.Parameters["batchId"] = BatchId;
    }
}
