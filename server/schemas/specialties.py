"""从事专业 (specialty) code list of the 执业信息 step, per 执业类别 (practice category).

Built on the 执业范围 of the 《医师执业注册管理办法》 (国家卫生计生委令第13号, 2017) and its annex
《关于医师执业注册中执业范围的暂行规定》: the registered scopes of each category, with the
second-level 专业 of 内科 and 外科 that the 定考通 manual shows in its screenshot
(「普通外科专业 神经外科专业」). The physician picks up to five from the list of their category;
the server refuses any other name (``check_specialties``).
"""

from __future__ import annotations

SPECIALTIES: dict[str, tuple[str, ...]] = {
    "clinical": (
        "内科专业", "心血管内科专业", "呼吸内科专业", "消化内科专业", "神经内科专业", "肾病学专业",
        "内分泌专业", "血液内科专业", "感染科专业", "老年病专业",
        "外科专业", "普通外科专业", "神经外科专业", "骨科专业", "泌尿外科专业", "胸外科专业",
        "心脏大血管外科专业", "烧伤科专业", "整形外科专业", "麻醉科专业",
        "妇产科专业", "儿科专业", "眼耳鼻咽喉科专业", "眼科专业", "耳鼻咽喉科专业",
        "皮肤病与性病专业", "精神卫生专业", "职业病专业", "医学影像和放射治疗专业", "医学检验、病理专业",
        "全科医学专业", "急救医学专业", "康复医学专业", "预防保健专业", "特种医学与军事医学专业",
        "计划生育技术服务专业", "重症医学专业", "疼痛科专业", "肿瘤科专业",
        "省级以上卫生健康行政部门规定的其他专业",
    ),
    "tcm": (
        "中医专业", "中西医结合专业", "蒙医专业", "藏医专业", "维医专业", "傣医专业", "全科医学专业",
        "省级以上卫生健康行政部门规定的其他专业",
    ),
    "dental": (
        "口腔专业", "口腔内科专业", "口腔颌面外科专业", "口腔修复专业", "口腔正畸专业", "全科医学专业",
        "省级以上卫生健康行政部门规定的其他专业",
    ),
    "public_health": (
        "公共卫生类别专业", "疾病控制专业", "职业卫生专业", "环境卫生专业", "营养与食品卫生专业",
        "学校卫生专业", "放射卫生专业", "妇幼保健专业", "卫生检验专业",
        "省级以上卫生健康行政部门规定的其他专业",
    ),
}


def unknown_specialties(category: str, names: list[str] | None) -> list[str]:
    """The names that are not in the list of this category (empty: all valid)."""
    allowed = SPECIALTIES.get(category, ())
    return [n for n in names or [] if n not in allowed]
