"""居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) checks, and the
import's row parsing that relies on them."""

from __future__ import annotations

from datetime import date

import pytest

from server.security import (
    birth_date_from_id,
    gender_from_id,
    id_check_digit,
    id_number_problem,
    mask_id_number,
    normalise_id_number,
)
from server.services.registry.import_rows import PHYSICIAN_HEADERS, credit_code_problem, parse_physician_row

# Published example numbers with known check characters.
VALID = ["11010519491231002X", "110101199003074477"]


@pytest.mark.parametrize("value", VALID)
def test_id_valid_numbers_pass(value):
    assert id_number_problem(value) is None


def test_id_check_digit_matches_the_standard():
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


def test_id_lower_case_x_and_spaces_normalised():
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert id_number_problem("11010519491231002x") is None


@pytest.mark.parametrize("last", "0123456789")
def test_id_wrong_check_digit_refused(last):
    value = "11010519491231002" + last
    assert id_number_problem(value) == "证件号码校验位错误"


@pytest.mark.parametrize("value", ["", "1101051949123100", "11010519491231002XX", "1101051949123100X2",
                                   "A1010519491231002X", "110105 19491231002"])
def test_id_wrong_format_refused(value):
    assert id_number_problem(value) == "证件号码应为18位（最后一位可为X）"


def test_id_impossible_birth_date_refused():
    first17 = "11010519490231002"  # 31 February
    assert id_number_problem(first17 + id_check_digit(first17)) == "证件号码中的出生日期无效"
    first17 = "11010518890101002"  # before 1900
    assert id_number_problem(first17 + id_check_digit(first17)) == "证件号码中的出生日期无效"
    future = f"110105{date.today().year + 1}0101002"
    assert id_number_problem(future + id_check_digit(future)) == "证件号码中的出生日期无效"


def test_id_every_single_digit_error_is_caught():
    value = "110101199003074477"
    for i in range(17):
        for d in "0123456789":
            if d == value[i]:
                continue
            typo = value[:i] + d + value[i + 1:]
            problem = id_number_problem(typo)
            assert problem is not None, typo


def test_id_birth_gender_and_mask():
    assert birth_date_from_id("11010519491231002X") == date(1949, 12, 31)
    assert gender_from_id("11010519491231002X") == "女"
    assert gender_from_id("110101199003074477") == "男"
    assert mask_id_number("11010519491231002X") == "1101************2X"


def test_credit_code():
    assert credit_code_problem("91350100M000100Y43") is None
    assert credit_code_problem("91350100M000100Y44") == "统一社会信用代码校验位错误"
    assert credit_code_problem("91350100M000100Y4") == "统一社会信用代码应为18位数字或大写字母"
    assert credit_code_problem("91350100I000100Y43") == "统一社会信用代码应为18位数字或大写字母"  # I is not used


def _row(**values) -> tuple:
    base = {"姓名": "张三", "证件号码": "110101199003074477", "执业级别": "执业医师", "执业类别": "临床"}
    base.update(values)
    return tuple(base.get(h) for h in PHYSICIAN_HEADERS)


COLS = {h: i for i, h in enumerate(PHYSICIAN_HEADERS)}


def test_parse_row_ok_and_normalised():
    values, problem = parse_physician_row(_row(证件号码=" 11010519491231002x ", 执业类别="中医类别",
                                               手机号码=13800138000.0), COLS)
    assert problem is None
    assert values["id_number"] == "11010519491231002X" and values["category"].value == "tcm"
    assert values["phone"] == "13800138000" and values["gender"] == "女"


@pytest.mark.parametrize(("change", "reason"), [
    ({"证件号码": "110101199003074478"}, "证件号码校验位错误"),
    ({"证件号码": None}, "证件号码不能为空"),
    ({"姓名": "  "}, "姓名不能为空"),
    ({"姓名": "张3"}, "姓名格式不正确"),
    ({"执业级别": "医师"}, "执业级别应为：执业医师、执业助理医师"),
    ({"执业类别": "外科"}, "执业类别应为：临床、中医、口腔、公共卫生"),
    ({"手机号码": "1380013800"}, "手机号码格式不正确"),
    ({"执业证书编号": "1" * 40}, "执业证书编号过长（最多32个字符）"),
])
def test_parse_row_problems(change, reason):
    assert parse_physician_row(_row(**change), COLS)[1] == reason
