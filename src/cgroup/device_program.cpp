#include "cgroup/device_program.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <limits>
#include <optional>
#include <set>

#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace crunlite::cgroup {
namespace {

// The registers the program keeps the request in, once decoded from bpf_cgroup_dev_ctx.
constexpr uint8_t context_reg = BPF_REG_1;
constexpr uint8_t access_reg = BPF_REG_2;
constexpr uint8_t type_reg = BPF_REG_3;
constexpr uint8_t major_reg = BPF_REG_4;
constexpr uint8_t minor_reg = BPF_REG_5;

bpf_insn instruction(uint8_t code, uint8_t dst, uint8_t src, int16_t offset, int32_t imm)
{
    bpf_insn insn{};
    insn.code = code;
    insn.dst_reg = dst & 0xf;
    insn.src_reg = src & 0xf;
    insn.off = offset;
    insn.imm = imm;
    return insn;
}

// Just enough of an assembler: straight-line code plus forward jumps to labels, whose offsets
// are filled in once every label is placed.
class Assembler {
public:
    int label()
    {
        labels_.push_back(-1);
        return static_cast<int>(labels_.size() - 1);
    }
    void place(int label) { labels_[label] = static_cast<int>(code_.size()); }
    bool used(int label) const { return used_.count(label) != 0; }

    void emit(bpf_insn insn) { code_.push_back(insn); }
    void load_u32(uint8_t dst, int16_t offset)
    {
        emit(instruction(BPF_LDX | BPF_MEM | BPF_W, dst, context_reg, offset, 0));
    }
    void alu(uint8_t operation, uint8_t dst, int32_t imm)
    {
        emit(instruction(BPF_ALU64 | operation | BPF_K, dst, 0, 0, imm));
    }
    void move(uint8_t dst, uint8_t src)
    {
        emit(instruction(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
    }
    // A 32-bit compare: majors and minors are u32, beyond what a sign-extended imm reaches.
    void jump_if(uint8_t condition, uint8_t reg, uint32_t value, int label)
    {
        jump_to(label);
        emit(instruction(BPF_JMP32 | condition | BPF_K, reg, 0, 0, static_cast<int32_t>(value)));
    }
    void jump(int label)
    {
        jump_to(label);
        emit(instruction(BPF_JMP | BPF_JA, 0, 0, 0, 0));
    }
    void exit_with(int32_t verdict)
    {
        alu(BPF_MOV, BPF_REG_0, verdict);
        emit(instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    }

    std::vector<bpf_insn> finish()
    {
        for (auto [at, label] : jumps_)
            code_[at].off = static_cast<int16_t>(labels_[label] - static_cast<int>(at) - 1);
        return std::move(code_);
    }

private:
    void jump_to(int label)
    {
        jumps_.push_back({code_.size(), label});
        used_.insert(label);
    }

    std::vector<bpf_insn> code_;
    std::vector<int> labels_;
    std::vector<std::pair<size_t, int>> jumps_;
    std::set<int> used_;
};

int32_t access_bits(const std::string &access)
{
    int32_t bits = 0;
    for (char letter : access)
        bits |= letter == 'm' ? BPF_DEVCG_ACC_MKNOD
                : letter == 'r' ? BPF_DEVCG_ACC_READ
                : letter == 'w' ? BPF_DEVCG_ACC_WRITE
                                : 0;
    return bits;
}

// -1 or absent: any number.
bool is_wildcard(const std::optional<int64_t> &number) { return !number || *number < 0; }

// Emits the checks of one rule for one access bit; false when the rule matches unconditionally,
// so that no earlier rule can be reached any more (the verifier refuses dead code).
bool emit_rule(Assembler &code, const spec::DeviceRule &rule, int next_bit, int deny)
{
    int next_rule = code.label();
    bool conditional = false;
    if (rule.type != "a") {
        code.jump_if(BPF_JNE, type_reg, rule.type == "b" ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                     next_rule);
        conditional = true;
        if (!is_wildcard(rule.major)) {
            code.jump_if(BPF_JNE, major_reg, static_cast<uint32_t>(*rule.major), next_rule);
        }
        if (!is_wildcard(rule.minor)) {
            code.jump_if(BPF_JNE, minor_reg, static_cast<uint32_t>(*rule.minor), next_rule);
        }
    }
    code.jump(rule.allow ? next_bit : deny);
    code.place(next_rule);
    return conditional;
}

// The verdict for one access bit: rules from the last to the first, the first match decides.
void emit_access_check(Assembler &code, const std::vector<spec::DeviceRule> &rules, int32_t bit,
                       int deny)
{
    int judge = code.label(), next_bit = code.label();
    code.jump_if(BPF_JSET, access_reg, static_cast<uint32_t>(bit), judge);
    code.jump(next_bit);
    code.place(judge);
    bool reachable = true;
    for (auto rule = rules.rbegin(); rule != rules.rend() && reachable; ++rule)
        if (access_bits(rule->access) & bit)
            reachable = emit_rule(code, *rule, next_bit, deny);
    if (reachable)
        code.jump(deny);
    code.place(next_bit);
}

long bpf(int command, bpf_attr &attr)
{
    return ::syscall(SYS_bpf, command, &attr, sizeof(attr));
}

std::string last_line(const std::string &text)
{
    std::string trimmed = text.substr(0, text.find_last_not_of("\n\0", std::string::npos, 2) + 1);
    return trimmed.substr(trimmed.rfind('\n') + 1);
}

Result<UniqueFd> load(const std::vector<bpf_insn> &program)
{
    static const char license[] = "Apache-2.0";
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uintptr_t>(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = reinterpret_cast<uintptr_t>(license);
    UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    if (fd)
        return fd;
    int errnum = errno;
    // Again with the verifier's log, only to say why.
    std::string log(64 * 1024, '\0');
    attr.log_level = 1;
    attr.log_size = static_cast<uint32_t>(log.size());
    attr.log_buf = reinterpret_cast<uintptr_t>(log.data());
    UniqueFd retry(static_cast<int>(bpf(BPF_PROG_LOAD, attr)));
    std::string why = last_line(log.c_str());
    return Error::system(errnum, "load the eBPF device program" +
                                     (why.empty() ? "" : " (verifier: " + why + ")"));
}

Result<UniqueFd> open_cgroup(const std::string &dir)
{
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return Error::from_errno("open cgroup `" + dir + "`");
    return fd;
}

Status detach(int cgroup_fd, uint32_t id, const std::string &dir)
{
    bpf_attr attr{};
    attr.prog_id = id;
    UniqueFd program(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, attr)));
    if (!program)
        return Error::from_errno("open eBPF program " + std::to_string(id));
    attr = bpf_attr{};
    attr.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(program.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, attr) != 0 && errno != ENOENT)
        return Error::from_errno("detach eBPF program " + std::to_string(id) + " from `" + dir +
                                 "`");
    return Ok{};
}

Result<std::vector<uint32_t>> query(int cgroup_fd, const std::string &dir)
{
    std::vector<uint32_t> ids(64);
    bpf_attr attr{};
    attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (bpf(BPF_PROG_QUERY, attr) != 0)
        return Error::from_errno("list the eBPF device programs of `" + dir + "`");
    ids.resize(std::min<size_t>(attr.query.prog_cnt, ids.size()));
    return ids;
}

} // namespace

std::vector<bpf_insn> build_device_program(const std::vector<spec::DeviceRule> &rules)
{
    Assembler code;
    // bpf_cgroup_dev_ctx: access_type is (access << 16) | type, then major and minor.
    code.load_u32(access_reg, offsetof(bpf_cgroup_dev_ctx, access_type));
    code.move(type_reg, access_reg);
    code.alu(BPF_AND, type_reg, 0xffff);
    code.alu(BPF_RSH, access_reg, 16);
    code.load_u32(major_reg, offsetof(bpf_cgroup_dev_ctx, major));
    code.load_u32(minor_reg, offsetof(bpf_cgroup_dev_ctx, minor));

    int deny = code.label();
    for (int32_t bit : {BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE})
        emit_access_check(code, rules, bit, deny);
    code.exit_with(1);
    if (code.used(deny)) {
        code.place(deny);
        code.exit_with(0);
    }
    return code.finish();
}

Status attach_device_program(const std::string &dir, const std::vector<spec::DeviceRule> &rules,
                             bool replace)
{
    auto program = build_device_program(rules);
    // Jump offsets are 16 bits wide.
    if (program.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max()))
        return Error::message("linux.resources.devices: too many rules for an eBPF program");
    UniqueFd loaded = TRY(load(program));
    UniqueFd cgroup = TRY(open_cgroup(dir));
    std::vector<uint32_t> earlier;
    if (replace)
        earlier = TRY(query(cgroup.get(), dir));

    bpf_attr attr{};
    attr.target_fd = static_cast<uint32_t>(cgroup.get());
    attr.attach_bpf_fd = static_cast<uint32_t>(loaded.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attr) != 0)
        return Error::from_errno("attach the eBPF device program to `" + dir + "`");
    log::debug("cgroup: eBPF device program of " + std::to_string(program.size()) +
               " instructions attached to `" + dir + "`");

    for (uint32_t id : earlier)
        TRY(detach(cgroup.get(), id, dir));
    return Ok{};
}

Result<std::vector<uint32_t>> attached_device_programs(const std::string &dir)
{
    UniqueFd cgroup = TRY(open_cgroup(dir));
    return query(cgroup.get(), dir);
}

} // namespace crunlite::cgroup
