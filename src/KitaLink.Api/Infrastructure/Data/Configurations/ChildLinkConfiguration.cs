using KitaLink.Api.Guardians;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class ChildLinkConfiguration : IEntityTypeConfiguration<ChildLink>
{
    public void Configure(EntityTypeBuilder<ChildLink> builder)
    {
        // A child is linked to an account at most once; backs child_already_linked under concurrency.
        builder.HasIndex(l => new { l.AccountId, l.ChildId }).IsUnique();
        builder.HasIndex(l => l.ChildId);
        builder.HasOne(l => l.Child).WithMany().HasForeignKey(l => l.ChildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Guardian>().WithMany().HasForeignKey(l => l.GuardianId).OnDelete(DeleteBehavior.Restrict);
        // One pair links once.
        builder.HasIndex(l => l.PinPairId).IsUnique();
        builder.HasOne<PinPair>().WithMany().HasForeignKey(l => l.PinPairId).OnDelete(DeleteBehavior.Restrict);
    }
}
