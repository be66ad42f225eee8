using KitaLink.Api.Facilities;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class StaffMemberConfiguration : IEntityTypeConfiguration<StaffMember>
{
    public void Configure(EntityTypeBuilder<StaffMember> builder)
    {
        builder.ToTable("staff_members");
        builder.Property(s => s.Email).HasMaxLength(254);
        builder.Property(s => s.NormalizedEmail).HasMaxLength(254);
        builder.HasIndex(s => s.NormalizedEmail).IsUnique();
        builder.Property(s => s.DisplayName).HasMaxLength(200);
        builder.Property(s => s.PasswordHash).HasMaxLength(512);
        builder.Property(s => s.TotpSecret).HasMaxLength(1024);
        builder.HasIndex(s => s.FacilityId);
        builder.HasOne<Facility>().WithMany().HasForeignKey(s => s.FacilityId).OnDelete(DeleteBehavior.Restrict);
    }
}
