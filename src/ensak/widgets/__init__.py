"""The widgets learners touch. Each saves its answer in the task's answers file as it is given."""

from ensak.widgets.base import REGISTRY, AnswerWidget
from ensak.widgets.checklist import Checklist
from ensak.widgets.dialogue import CommentSimulator, PostChecker
from ensak.widgets.planner_course import CoursePlanner
from ensak.widgets.decision import Choice, DecisionGuide, Outcome, Step
from ensak.widgets.licences import LicenceChooser
from ensak.widgets.monitoring import MonitoringPlanner
from ensak.widgets.podcast import EpisodePlanner
from ensak.widgets.privacy import AudienceSimulator
from ensak.widgets.quiz import Option, Quiz
from ensak.widgets.rota import BlogRotaPlanner
from ensak.widgets.search import SearchQueryBuilder
from ensak.widgets.selfassessment import SCALE, SelfAssessment
from ensak.widgets.sharing import BlogComment, SharingChoice
from ensak.widgets.strategy import ChannelStrategyPlanner
from ensak.widgets.text import TextAnswer
from ensak.widgets.wikipedia import ReferenceBuilder
from ensak.widgets.writing import MarkdownPractice, WebTextChecker

__all__ = ["REGISTRY", "AnswerWidget", "Checklist", "Option", "Quiz", "SCALE", "SelfAssessment", "TextAnswer",
           "MarkdownPractice", "WebTextChecker", "BlogRotaPlanner", "Choice", "DecisionGuide", "Outcome", "Step",
           "LicenceChooser", "EpisodePlanner", "MonitoringPlanner", "ChannelStrategyPlanner", "AudienceSimulator",
           "SearchQueryBuilder", "ReferenceBuilder", "PostChecker", "CommentSimulator", "CoursePlanner",
           "SharingChoice", "BlogComment"]
