using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Scheduler.Migrations
{
    /// <inheritdoc />
    public partial class LeaderFencing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "control_plane",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    installation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    leader_term = table.Column<long>(type: "bigint", nullable: false),
                    leader_identity = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true),
                    leader_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_control_plane", x => x.id);
                    table.CheckConstraint("ck_control_plane_single_row", "id = 1");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "control_plane");
        }
    }
}
