"""Why a file cannot be used, in both languages (bot.text.Problem): the system's reason a
file cannot be read (an OSError), and what a YAML parser stopped on.

Their own words are English (`Is a directory`, PyYAML's `found character that cannot
start any token`); a Chinese-reading GM told of an org, goals or CRM file read them inside
a Chinese line. The common cases are said in Chinese here; the English (the log's, the
operator's CLI's) stays the system's and the parser's words, as it was.
"""

from __future__ import annotations

import errno
from typing import Any

from bot.text import Problem

#: The system's reasons a file cannot be read, in Chinese, by errno.
_OS_ZH = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOENT: "找不到文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EBUSY: "文件正被占用",
    errno.ETXTBSY: "文件正被占用",
    errno.EAGAIN: "文件暂时被锁定",
    errno.EIO: "读取时发生输入输出错误",
    errno.ELOOP: "符号链接形成了循环",
    errno.ENAMETOOLONG: "路径太长",
    errno.ESTALE: "网络共享上的文件句柄已失效（共享曾断开，请重新挂载）",
    errno.ETIMEDOUT: "读取超时（网络共享没有响应）",
}


def os_reason(exc: OSError) -> Problem:
    """Why a file cannot be read: the system's words (`Permission denied`), and their
    Chinese for the common reasons (another's names the system's words, and its errno)."""
    said = exc.strerror or type(exc).__name__
    zh = _OS_ZH.get(exc.errno or 0)
    if zh is None:
        name = errno.errorcode.get(exc.errno or 0)
        zh = f"系统报告：{said}" + (f"（{name}）" if name else "")
    return Problem(said, zh)


def yaml_problem(exc: Any, text: str = "") -> Problem:
    """What a YAML parser stopped on (a yaml.YAMLError; `text`: the file's, to see the
    character it stopped at): its own words, and a Chinese description of the common cases
    (a tab, a quote left open, an indentation off, a colon in a value). The place (line,
    column) is the caller's to say, as before."""
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    mark, opened = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    lines = text.splitlines()
    at = lines[mark.line][mark.column:mark.column + 1] \
        if mark is not None and mark.line < len(lines) else ""
    return Problem(problem, _yaml_zh(problem, context, at, opened))


def _yaml_zh(problem: str, context: str, at: str, opened: Any) -> str:
    """The Chinese of a parser's `problem` (its words as PyYAML or libyaml write them)."""
    if at == "\t" or "\t" in problem or "tab" in problem:
        return "这里有制表符（Tab）：YAML 不允许用制表符缩进，请改用空格"
    if "end of stream" in problem and "quoted scalar" in context:
        where = f"从第 {opened.line + 1} 行第 {opened.column + 1} 列开始的" if opened else ""
        return f"引号没有闭合：{where}引号到文件末尾都没有结束；请补上配对的引号"
    if "quoted scalar" in context:
        return "引号里的内容有误：引号没有正确闭合，或其中有不能这样写的字符"
    if "mapping values are not allowed" in problem:
        return ("这里不能再有“键: 值”：可能是这一行缩进不对，或值里有冒号（: ）却没有加引号；"
                "含冒号的值请加引号")
    if "could not find expected ':'" in problem:
        return "缺少冒号：应写成“键: 值”（也可能是上一行的引号没有闭合）"
    if problem.startswith(("expected ',' or ']'", "did not find expected ',' or ']'")):
        return "方括号 [ ] 没有闭合，或其中的项之间缺少逗号"
    if problem.startswith(("expected ',' or '}'", "did not find expected ',' or '}'")):
        return "花括号 { } 没有闭合，或其中的项之间缺少逗号"
    if "block end" in problem or "did not find expected" in problem \
            or "expected <block" in problem:
        return ("缩进不对：这一行与同一层的其他行没有对齐（YAML 按行首的空格数区分层级，"
                "同一层的行要对齐）")
    if "cannot start any token" in problem:
        shown = f" '{at}'" if at.strip() else ""
        return f"字符{shown}不能作为值的开头：请给这个值加上引号"
    if "undefined alias" in problem:
        return "使用了未定义的别名（以 * 开头）：如果这是普通文字，请加上引号"
    return f"语法错误（解析器报告：{problem}）"
